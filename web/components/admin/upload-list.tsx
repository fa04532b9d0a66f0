/** An upload in progress, or failed with the sentence to show. */
export type Upload = { key: string; name: string; progress: number; error?: string };

/** One line per upload: its name, and its progress bar or why it failed. */
export function UploadList({ uploads, className = '' }: { uploads: Upload[]; className?: string }) {
  if (uploads.length === 0) return null;
  return (
    <ul aria-label="Image uploads" className={`space-y-1 text-left text-sm ${className}`}>
      {uploads.map((upload) => (
        <li key={upload.key}>
          <span className="font-medium">{upload.name}</span>
          {upload.error ? (
            <span role="alert" className="ms-2 text-accent">
              {upload.error}
            </span>
          ) : (
            <progress className="ms-2 align-middle" max={1} value={upload.progress} aria-label={`Uploading ${upload.name}`} />
          )}
        </li>
      ))}
    </ul>
  );
}

/** Updates one upload of a list by its key. */
export function changeUpload(uploads: Upload[], key: string, change: Partial<Upload>): Upload[] {
  return uploads.map((upload) => (upload.key === key ? { ...upload, ...change } : upload));
}

let uploads = 0;

/** A key for a new upload, unique on this page (crypto.randomUUID needs HTTPS). */
export function nextUploadKey(): string {
  uploads += 1;
  return `upload-${uploads}`;
}
