'use client';

import { useState } from 'react';
import { libraryChoices } from '@/app/admin/media/actions';
import type { LibraryItem } from '@/lib/admin/media';
import { IMAGE_TYPES, uploadImage } from '@/lib/admin/upload-client';
import { secondaryButtonClass } from './styles';
import { changeUpload, type Upload, UploadList } from './upload-list';

/**
 * Picks the cover from the media library, or uploads one into it: the cover
 * becomes the item's path (rendered as a <picture> of its sizes) and, when
 * the post has none yet, takes the item's alt text.
 */
export function CoverPicker({ onPick }: { onPick: (item: LibraryItem) => void }) {
  const [choices, setChoices] = useState<LibraryItem[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [uploads, setUploads] = useState<Upload[]>([]);

  const open = async () => {
    setError(undefined);
    const answer = await libraryChoices();
    if ('error' in answer) setError(answer.error);
    else setChoices(answer.items);
  };

  const upload = (file: File) => {
    const key = `cover-${file.name}-${Date.now()}`;
    setUploads([{ key, name: file.name, progress: 0 }]);
    void uploadImage(file, (progress) => setUploads((current) => changeUpload(current, key, { progress }))).then((result) => {
      if (result.kind === 'ok') {
        setUploads([]);
        onPick(result.item);
      } else {
        setUploads((current) => changeUpload(current, key, { error: result.message }));
      }
    });
  };

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-3">
        <button type="button" className={secondaryButtonClass} onClick={() => void open()}>
          Choose from the library
        </button>
        <label className={`${secondaryButtonClass} cursor-pointer`}>
          Upload a cover
          <input
            type="file"
            accept={IMAGE_TYPES}
            className="sr-only"
            onChange={(event) => {
              const file = event.target.files?.[0];
              if (file) upload(file);
              event.target.value = '';
            }}
          />
        </label>
      </div>
      <UploadList uploads={uploads} />
      {error && (
        <p role="alert" className="text-sm text-accent">
          {error}
        </p>
      )}
      {choices && (
        <ul aria-label="Library images" className="grid grid-cols-3 gap-2 sm:grid-cols-4">
          {choices.length === 0 && <li className="col-span-full text-sm text-muted">The library has no images yet.</li>}
          {choices.map((item) => (
            <li key={item.id}>
              <button
                type="button"
                aria-label={`Use ${item.filename} as the cover`}
                className="block w-full rounded border border-rule p-1 hover:border-accent focus:border-accent"
                onClick={() => {
                  onPick(item);
                  setChoices(undefined);
                }}
              >
                <img src={item.thumbnail} alt={item.altText} width={item.width} height={item.height} loading="lazy" className="aspect-[4/3] w-full object-cover" />
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
