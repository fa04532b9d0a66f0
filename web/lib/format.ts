/** Dates as readers see them, in UTC so that server and build agree: "2 January 2026". */
const dateFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' });

export function formatDate(iso: string): string {
  return dateFormat.format(new Date(iso));
}

/** "1 min read", "12 min read". */
export function formatReadingTime(minutes: number): string {
  return `${Math.max(1, minutes)} min read`;
}

/** "1 post", "3 posts". */
export function formatCount(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}
