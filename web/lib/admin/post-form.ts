import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { Post, PostSchema } from '@quire/gen/quire/v1/post_pb';
import { textField } from '@/lib/form-data';

/**
 * The contract between the post editor (a client component) and the Server
 * Action that saves it: the fields it posts, what a submit asks for, and the
 * states the action answers with. Every state carries the submitted values,
 * so the editor re-fills itself and nothing typed is lost on an error.
 */

/** The Post message of a CreatePost or UpdatePost request. */
export type PostMessage = MessageInitShape<typeof PostSchema>;

/** One field of the editor's form; its form name is its key in POST_FORM_FIELDS. */
type FormField = {
  /** Its text for a stored post. */
  read(post: Post): string;
  /** Its part of the Post message of a save; absent when it travels beside the post. */
  write?(value: string): PostMessage;
  /** Its UpdatePost mask path; absent when a save does not update it. */
  maskPath?: string;
  /** The request field path of the engine's violations about it (BadRequest). */
  violationPath?: string;
};

/** The text fields of the generated `Post` (and of its `seo`) that the editor edits. */
type PostTextKey = 'id' | 'etag' | 'title' | 'slug' | 'markdown' | 'coverImageUrl' | 'coverImageAlt';
type SeoTextKey = 'metaTitle' | 'metaDescription' | 'canonicalUrl';

const asTyped = (value: string) => value;
const trimmed = (value: string) => value.trim();

/**
 * A text field of the Post message, as is or `clean`ed on save. `maskPath`,
 * when a save updates it, is its path in the mask and, under `post.`, in the
 * engine's violations (which name request paths).
 */
function postText(key: PostTextKey, maskPath?: string, clean = asTyped): FormField {
  const paths = maskPath ? { maskPath, violationPath: `post.${maskPath}` } : {};
  return { read: (post) => post[key], write: (value) => ({ [key]: clean(value) }), ...paths };
}

/** A text field of the post's SEO metadata (`Post.seo`), at `seo.<path>`. */
function seoText(key: SeoTextKey, path: string, clean = asTyped): FormField {
  const paths = { maskPath: `seo.${path}`, violationPath: `post.seo.${path}` };
  return { read: (post) => post.seo?.[key] ?? '', write: (value) => ({ seo: { [key]: clean(value) } }), ...paths };
}

/**
 * Every field of the editor, in one table: the rest of this file (the empty
 * values, the values of a post, the Post message of a save, the update mask,
 * the placing of the engine's errors) is derived from it. Each value is text,
 * empty when the form starts blank.
 */
export const POST_FORM_FIELDS = {
  /** The post's id; empty for a post not created yet. */
  id: postText('id'),
  /** The etag of the version the author is editing (AIP-154). */
  etag: postText('etag'),
  title: postText('title', 'title'),
  slug: postText('slug', 'slug'),
  markdown: postText('markdown', 'markdown'),
  /** Tag names, separated by commas. */
  tags: {
    read: (post) => post.tags.map((tag) => tag.name).join(', '),
    write: (names) => ({ tags: tagNames(names).map((name) => ({ name })) }),
    maskPath: 'tags',
    violationPath: 'post.tags',
  },
  coverImageUrl: postText('coverImageUrl', 'cover_image_url', trimmed),
  coverImageAlt: postText('coverImageAlt', 'cover_image_alt'),
  metaTitle: seoText('metaTitle', 'meta_title'),
  metaDescription: seoText('metaDescription', 'meta_description'),
  canonicalUrl: seoText('canonicalUrl', 'canonical_url', trimmed),
  /** When to publish, an ISO instant; sent beside the post (the request's `publish_time`) when scheduling. */
  publishAt: {
    read: (post) => (post.publishTime ? timestampDate(post.publishTime).toISOString() : ''),
    violationPath: 'publish_time',
  },
} satisfies Record<string, FormField>;

/** The editor's fields, as named in its FormData. */
export type PostField = keyof typeof POST_FORM_FIELDS;

/** The editor's values: every field as text. */
export type PostFormValues = Record<PostField, string>;

const FIELDS: [PostField, FormField][] = Object.entries(POST_FORM_FIELDS) as [PostField, FormField][];

/** What a submit button asks for; every intent saves the content in the same write. */
export type PostIntent = 'save' | 'publish' | 'schedule' | 'unpublish' | 'archive';
const INTENTS: readonly PostIntent[] = ['save', 'publish', 'schedule', 'unpublish', 'archive'];

export type PostFormState =
  | { status: 'editing'; values: PostFormValues }
  /** The engine refused fields: `fieldErrors` beside the fields, `formErrors` for the rest. */
  | { status: 'invalid'; values: PostFormValues; fieldErrors: Partial<Record<PostField, string>>; formErrors: string[] }
  /** Someone else saved the post since it was opened; `latest` is their version, when it could be read. */
  | { status: 'stale'; values: PostFormValues; latest: PostFormValues | undefined }
  /** The author's role does not allow this (the engine said PERMISSION_DENIED, and wrote nothing). */
  | { status: 'forbidden'; values: PostFormValues }
  /** The session ended: sign in again (in another tab) and submit again. */
  | { status: 'signed-out'; values: PostFormValues }
  | { status: 'failed'; values: PostFormValues; reason: 'not-found' | 'rate-limited' | 'unavailable' };

/** A Server Action usable with `useActionState`. */
export type PostFormAction = (state: PostFormState, formData: FormData) => Promise<PostFormState>;

function valuesFrom(valueOf: (name: PostField, field: FormField) => string): PostFormValues {
  return Object.fromEntries(FIELDS.map(([name, field]) => [name, valueOf(name, field)])) as PostFormValues;
}

export const EMPTY_POST_VALUES: PostFormValues = valuesFrom(() => '');

/** The editor's values for a stored post. */
export function valuesOfPost(post: Post): PostFormValues {
  return valuesFrom((_name, field) => field.read(post));
}

/** The Post message the editor's values stand for. */
export function postOf(values: PostFormValues): PostMessage {
  const post: PostMessage = {};
  for (const [name, field] of FIELDS) {
    const { seo, ...part } = field.write?.(values[name]) ?? {};
    Object.assign(post, part);
    if (seo) post.seo = { ...post.seo, ...seo };
  }
  return post;
}

/** The values and intent a submit posted; missing fields are empty. */
export function parsePostForm(formData: FormData): { values: PostFormValues; intent: PostIntent } {
  const intent = textField(formData, 'intent');
  return {
    values: valuesFrom((name) => textField(formData, name)),
    intent: INTENTS.find((known) => known === intent) ?? 'save',
  };
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
export const EDITOR_UPDATE_MASK: readonly string[] = FIELDS.flatMap(([, field]) => field.maskPath ?? []);

/** Request field paths (the engine's BadRequest) → the editor field they belong to. */
const FIELD_OF_PATH = new Map(FIELDS.flatMap(([name, field]) => (field.violationPath ? [[field.violationPath, name]] : [])));

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
    const field = FIELD_OF_PATH.get(path.replace(/\[\d+\](\.name)?$/, ''));
    if (field) fieldErrors[field] ??= message;
    else formErrors.push(`${path}: ${message}`);
  }
  return { fieldErrors, formErrors };
}
