import { PostStatus } from '@quire/gen/quire/v1/post_pb';
import { statusLabel } from '@/lib/admin/post-status';

/** A post's lifecycle state as a small label. */
export function StatusBadge({ status }: { status: PostStatus }) {
  const tone = status === PostStatus.PUBLISHED ? 'border-accent text-accent' : 'border-rule text-muted';
  return <span className={`rounded border px-2 py-0.5 text-xs font-medium ${tone}`}>{statusLabel(status)}</span>;
}
