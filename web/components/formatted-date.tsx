import { formatDate } from '@/lib/format';

export function FormattedDate({ iso }: { iso: string }) {
  return <time dateTime={iso}>{formatDate(iso)}</time>;
}
