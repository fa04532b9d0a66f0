import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { Post } from '@quire/gen/quire/v1/post_pb';
import { textField } from '@/lib/form-data';

/**
 * The contract between the post editor (a client component) and the Server
 * Action that saves it: the fields it posts, what a submit asks for, and the
 * states the action answers with. Every state carries the submitted values,
 * so the editor re-fills itself and nothing typed is lost on an error.
 */

/** The editor's fields, as named in its FormData. */
export const POST_FIELDS = [
  'title',
  'slug',
  'markdown',
  'tags',
  'coverImageUrl',
  'coverImageAlt',
  'metaTitle',
  'metaDescription',
  'canonicalUrl',
  'publishAt',
] as const;
export type PostField = (typeof POST_FIELDS)[number];

/** The editor's values: every field as text, plus the post's identity and version. */
export type PostFormValues = Record<PostField, string> & {
  /** Empty for a post not created yet. */
  id: string;
  /** The etag of the version the author is editing (AIP-154). */
  etag: string;
};

/** What a submit button asks for; every intent saves the content first. */
export type PostIntent = 'save' | 'publish' | 'schedule' | 'unpublish' | 'archive';
const INTENTS: readonly PostIntent[] = ['save', 'publish', 'schedule', 'unpublish', 'archive'];

export type PostFormState =
  | { status: 'editing'; values: PostFormValues }
  /** The engine refused fields: `fieldErrors` beside the fields, `formErrors` for the rest. */
  | { status: 'invalid'; values: PostFormValues; fieldErrors: Partial<Record<PostField, string>>; formErrors: string[] }
  /** Someone else saved the post since it was opened; `latest` is their version, when it could be read. */
  | { status: 'stale'; values: PostFormValues; latest: PostFormValues | undefined }
  /**
   * The author's role does not allow this (the engine said PERMISSION_DENIED);
   * `contentSaved` when the content was saved and only publishing was refused.
   */
  | { status: 'forbidden'; values: PostFormValues; contentSaved: boolean }
  /** The session ended: sign in again (in another tab) and submit again. */
  | { status: 'signed-out'; values: PostFormValues }
  | { status: 'failed'; values: PostFormValues; reason: 'not-found' | 'rate-limited' | 'unavailable' };

/** A Server Action usable with `useActionState`. */
export type PostFormAction = (state: PostFormState, formData: FormData) => Promise<PostFormState>;

export const EMPTY_POST_VALUES: PostFormValues = {
  id: '',
  etag: '',
  title: '',
  slug: '',
  markdown: '',
  tags: '',
  coverImageUrl: '',
  coverImageAlt: '',
  metaTitle: '',
  metaDescription: '',
  canonicalUrl: '',
  publishAt: '',
};

/** The editor's values for a stored post. */
export function valuesOfPost(post: Post): PostFormValues {
  return {
    id: post.id,
    etag: post.etag,
    title: post.title,
    slug: post.slug,
    markdown: post.markdown,
    tags: post.tags.map((tag) => tag.name).join(', '),
    coverImageUrl: post.coverImageUrl,
    coverImageAlt: post.coverImageAlt,
    metaTitle: post.seo?.metaTitle ?? '',
    metaDescription: post.seo?.metaDescription ?? '',
    canonicalUrl: post.seo?.canonicalUrl ?? '',
    publishAt: post.publishTime ? timestampDate(post.publishTime).toISOString() : '',
  };
}

/** The values and intent a submit posted; missing fields are empty. */
export function parsePostForm(formData: FormData): { values: PostFormValues; intent: PostIntent } {
  const text = (name: string) => textField(formData, name);
  const values = { ...EMPTY_POST_VALUES };
  for (const field of [...POST_FIELDS, 'id', 'etag'] as const) values[field] = text(field);
  const intent = text('intent');
  return { values, intent: INTENTS.find((known) => known === intent) ?? 'save' };
}

/** Tag names from the comma-separated field, trimmed, without blanks or repeats. */
export function tagNames(tags: string): string[] {
  const names = tags.split(',').map((name) => name.trim()).filter(Boolean);
  return [...new Set(names)];
}

/**
 * The UpdatePost mask of the editor: exactly the fields it shows, so that
 * fields it does not (kind, author) are never overwritten.
 */
export const EDITOR_UPDATE_MASK = [
  'slug',
  'title',
  'markdown',
  'tags',
  'cover_image_url',
  'cover_image_alt',
  'seo.meta_title',
  'seo.meta_description',
  'seo.canonical_url',
] as const;

/** Request field paths (the engine's BadRequest) → the editor field they belong to. */
const FIELD_OF_PATH: Record<string, PostField> = {
  'post.title': 'title',
  'post.slug': 'slug',
  'post.markdown': 'markdown',
  'post.tags': 'tags',
  'post.cover_image_url': 'coverImageUrl',
  'post.cover_image_alt': 'coverImageAlt',
  'post.seo.meta_title': 'metaTitle',
  'post.seo.meta_description': 'metaDescription',
  'post.seo.canonical_url': 'canonicalUrl',
  publish_time: 'publishAt',
};

/**
 * Places the engine's field violations beside the editor's fields, with the
 * engine's own wording; violations of fields the editor does not show (a bug
 * or a contract change) become form-level messages naming the field.
 */
export function placeFieldErrors(violations: Record<string, string>): {
  fieldErrors: Partial<Record<PostField, string>>;
  formErrors: string[];
} {
  const fieldErrors: Partial<Record<PostField, string>> = {};
  const formErrors: string[] = [];
  for (const [path, message] of Object.entries(violations)) {
    // `post.tags[2].name` belongs to the tags field.
    const field = FIELD_OF_PATH[path.replace(/\[\d+\](\.name)?$/, '')];
    if (field) fieldErrors[field] ??= message;
    else formErrors.push(`${path}: ${message}`);
  }
  return { fieldErrors, formErrors };
}
