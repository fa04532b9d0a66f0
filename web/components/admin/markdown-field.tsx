'use client';

import { type ClipboardEvent, type DragEvent, useState } from 'react';
import { imageFiles, imageMarkdown, uploadImage } from '@/lib/admin/upload-client';
import { Field } from './field';
import { changeUpload, nextUploadKey, type Upload, UploadList } from './upload-list';

/**
 * The Markdown body, which takes images pasted or dropped into it: each is
 * uploaded to the media library while a placeholder holds its place at the
 * cursor, with a progress bar under the field; once stored, the placeholder
 * becomes the image's Markdown (its alt text left for the writer to fill,
 * which publishing asks for).
 */
export function MarkdownField({
  id,
  name,
  label,
  value,
  error,
  onChange,
}: {
  id: string;
  name: string;
  label: string;
  value: string;
  error?: string;
  /** A new value, or a change applied to the latest one (an upload ends while the writer types). */
  onChange: (value: string | ((current: string) => string)) => void;
}) {
  const [uploads, setUploads] = useState<Upload[]>([]);

  const insert = (textarea: HTMLTextAreaElement, files: File[]) => {
    if (files.length === 0) return false;
    const markers = files.map((file) => ({ file, marker: `![Uploading ${file.name.replace(/[[\]]/g, '')}…](#${nextUploadKey()})` }));
    const { selectionStart, selectionEnd } = textarea;
    const text = markers.map(({ marker }) => marker).join('\n\n');
    onChange((current) => `${current.slice(0, selectionStart)}${text}${current.slice(selectionEnd)}`);
    for (const { file, marker } of markers) {
      const update = (change: Partial<Upload>) => setUploads((current) => changeUpload(current, marker, change));
      setUploads((current) => [...current, { key: marker, name: file.name, progress: 0 }]);
      void uploadImage(file, (progress) => update({ progress })).then((result) => {
        if (result.kind === 'ok') {
          onChange((current) => current.replace(marker, imageMarkdown(result.item.altText, result.item.path)));
          setUploads((current) => current.filter((upload) => upload.key !== marker));
        } else {
          onChange((current) => current.replace(marker, ''));
          update({ error: result.message });
        }
      });
    }
    return true;
  };

  const onPaste = (event: ClipboardEvent<HTMLTextAreaElement>) => {
    if (insert(event.currentTarget, imageFiles(event.clipboardData))) event.preventDefault();
  };
  const onDrop = (event: DragEvent<HTMLTextAreaElement>) => {
    if (insert(event.currentTarget, imageFiles(event.dataTransfer))) event.preventDefault();
  };

  return (
    <div>
      <Field
        id={id}
        label={label}
        hint="Paste or drop images to upload them here."
        error={error}
        render={(control) => (
          <textarea
            {...control}
            name={name}
            value={value}
            onChange={(event) => onChange(event.target.value)}
            onPaste={onPaste}
            onDrop={onDrop}
            rows={18}
            className={`${control.className} font-mono text-sm`}
          />
        )}
      />
      <UploadList uploads={uploads} className="mt-2" />
    </div>
  );
}
