'use client';

import { useRouter } from 'next/navigation';
import { type DragEvent, useState } from 'react';
import { IMAGE_TYPES, imageFiles, uploadImage } from '@/lib/admin/upload-client';
import { changeUpload, nextUploadKey, type Upload, UploadList } from './upload-list';

/**
 * Uploads to the library: a file picker and a drop zone, one progress bar per
 * file; the page refreshes to show each new image once it is stored.
 */
export function MediaUploader() {
  const router = useRouter();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [dragging, setDragging] = useState(false);

  const start = (files: File[]) => {
    for (const file of files) {
      const key = nextUploadKey();
      const update = (change: Partial<Upload>) => setUploads((current) => changeUpload(current, key, change));
      setUploads((current) => [...current, { key, name: file.name, progress: 0 }]);
      void uploadImage(file, (progress) => update({ progress })).then((result) => {
        if (result.kind === 'ok') {
          setUploads((current) => current.filter((upload) => upload.key !== key));
          router.refresh();
        } else {
          update({ error: result.message });
        }
      });
    }
  };

  const onDrop = (event: DragEvent<HTMLElement>) => {
    event.preventDefault();
    setDragging(false);
    start(imageFiles(event.dataTransfer));
  };

  return (
    <section
      aria-label="Upload images"
      onDragOver={(event) => {
        event.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
      className={`space-y-3 rounded border-2 border-dashed p-6 text-center ${dragging ? 'border-accent' : 'border-rule'}`}
    >
      <p className="text-sm text-muted">Drop images here (JPEG, PNG, WebP or GIF, up to 25 MiB), or</p>
      <label className="inline-block cursor-pointer rounded border border-rule px-4 py-2 font-medium focus-within:border-accent hover:border-accent hover:text-accent">
        Choose files
        <input
          type="file"
          accept={IMAGE_TYPES}
          multiple
          className="sr-only"
          onChange={(event) => {
            start(Array.from(event.target.files ?? []));
            event.target.value = '';
          }}
        />
      </label>
      <UploadList uploads={uploads} />
    </section>
  );
}
