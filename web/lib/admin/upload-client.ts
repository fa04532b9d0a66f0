import type { LibraryItem } from './media';

/**
 * Uploads an image from the browser to the admin's upload route
 * (app/admin/media/upload/route.ts). XMLHttpRequest rather than fetch:
 * only it reports upload progress. Resolves with the library item, or with
 * the sentence to show the author.
 */
export type UploadResult = { kind: 'ok'; item: LibraryItem; existed: boolean } | { kind: 'failed'; message: string };

export const UPLOAD_ROUTE = '/admin/media/upload';

/** The types an upload may be (the engine checks the bytes; this only filters the picker). */
export const IMAGE_TYPES = 'image/jpeg,image/png,image/webp,image/gif';

export function uploadImage(file: File, onProgress: (fraction: number) => void): Promise<UploadResult> {
  return new Promise((resolve) => {
    const request = new XMLHttpRequest();
    request.open('POST', UPLOAD_ROUTE);
    request.setRequestHeader('x-filename', encodeURIComponent(file.name));
    request.responseType = 'json';
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    request.onload = () => {
      const body = request.response as { item?: LibraryItem; existed?: boolean; error?: string } | null;
      if (request.status === 200 && body?.item) resolve({ kind: 'ok', item: body.item, existed: body.existed ?? false });
      else resolve({ kind: 'failed', message: body?.error ?? 'The upload failed: try again.' });
    };
    request.onerror = () => resolve({ kind: 'failed', message: 'The upload was interrupted: check the connection and try again.' });
    request.send(file);
  });
}

/** The image files among dropped or pasted data, in order. */
export function imageFiles(data: DataTransfer | null): File[] {
  return Array.from(data?.files ?? []).filter((file) => file.type.startsWith('image/'));
}

/** The Markdown of a library image: its alt text (empty until described) and its path. */
export function imageMarkdown(altText: string, path: string): string {
  return `![${altText.replace(/[[\]\\]/g, '\\$&')}](${path})`;
}
