import type { ChangeEvent } from 'react';
import type { PostField, PostFormValues } from '@/lib/admin/post-form';
import { CoverPicker } from './cover-picker';
import { Field } from './field';
import { MarkdownField } from './markdown-field';
import { MarkdownPreview } from './markdown-preview';

/** The editor's state as its fields need it: the values, the engine's errors, and a change handler. */
export type EditorForm = {
  values: PostFormValues;
  errors: Partial<Record<PostField, string>>;
  /** A new value, or a change to the latest one (an upload that ends while the writer types). */
  change: (field: PostField, value: string | ((current: string) => string)) => void;
};

/** How a field is typed: one line, an address, a name typed exactly, or a few lines. */
type InputKind = 'line' | 'url' | 'exact' | 'lines';

const INPUT_ATTRIBUTES = {
  line: {},
  // The URL keyboard, but no browser check that would block the submit before the engine's.
  url: { type: 'text', inputMode: 'url' },
  exact: { autoComplete: 'off', spellCheck: false },
} as const;

/** The editor's content fields: title and slug, Markdown beside its preview, tags, cover image and SEO. */
export function PostFields({ form, slugEdited }: { form: EditorForm; slugEdited: boolean }) {
  return (
    <>
      <TextField form={form} field="title" id="post-title" label="Title" />
      <TextField form={form} field="slug" kind="exact" id="post-slug" label="Slug">
        {slugEdited ? 'The address of the post.' : 'Suggested from the title until you edit it.'}
      </TextField>

      <div className="grid gap-6 lg:grid-cols-2">
        <MarkdownField
          id="post-markdown"
          name="markdown"
          label="Body (Markdown)"
          value={form.values.markdown}
          error={form.errors.markdown}
          onChange={(value) => form.change('markdown', value)}
        />
        <MarkdownPreview markdown={form.values.markdown} />
      </div>

      <TextField form={form} field="tags" id="post-tags" label="Tags">
        Separated by commas; new tags are created.
      </TextField>

      <fieldset className={groupClass}>
        <legend className={legendClass}>Cover image</legend>
        <TextField form={form} field="coverImageUrl" kind="url" id="post-cover-url" label="Image URL">
          An image of the media library, or the address of one elsewhere.
        </TextField>
        <CoverPicker
          onPick={(item) => {
            form.change('coverImageUrl', item.path);
            form.change('coverImageAlt', (current) => current || item.altText);
          }}
        />
        <TextField form={form} field="coverImageAlt" id="post-cover-alt" label="Alternative text">
          Describes the image for readers who cannot see it.
        </TextField>
      </fieldset>

      <fieldset className={groupClass}>
        <legend className={legendClass}>Search engines and sharing</legend>
        <TextField form={form} field="metaTitle" id="post-meta-title" label="SEO title">
          Empty uses the post's title.
        </TextField>
        <TextField form={form} field="metaDescription" kind="lines" id="post-meta-description" label="SEO description">
          Empty uses the post's excerpt.
        </TextField>
        <TextField form={form} field="canonicalUrl" kind="url" id="post-canonical-url" label="Canonical URL">
          Only when the post was first published elsewhere.
        </TextField>
      </fieldset>
    </>
  );
}

const groupClass = 'space-y-4 rounded border border-rule p-4';
const legendClass = 'px-1 text-sm font-medium';

/** One labelled field, bound to its value in the form and to the engine's error about it; `children` is its hint. */
function TextField({
  form,
  field,
  kind = 'line',
  id,
  label,
  children,
}: {
  form: EditorForm;
  field: PostField;
  kind?: InputKind;
  id: string;
  label: string;
  children?: string;
}) {
  const bound = {
    name: field,
    value: form.values[field],
    onChange: (event: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => form.change(field, event.target.value),
  };
  return (
    <Field
      id={id}
      label={label}
      hint={children}
      error={form.errors[field]}
      render={(control) => {
        switch (kind) {
          case 'lines':
            return <textarea {...control} {...bound} rows={3} />;
          default:
            return <input {...control} {...bound} {...INPUT_ATTRIBUTES[kind]} />;
        }
      }}
    />
  );
}
