import type { PostDetail } from '@/lib/engine/posts';

export type TocEntry = PostDetail['toc'][number];
export type TocNode = TocEntry & { children: TocNode[] };

/**
 * Nests a post's headings (in document order) under the nearest earlier
 * heading of a higher level, for a table of contents as nested lists.
 */
export function nestToc(entries: readonly TocEntry[]): TocNode[] {
  const roots: TocNode[] = [];
  const open: TocNode[] = [];
  for (const entry of entries) {
    const node: TocNode = { ...entry, children: [] };
    while (open.length > 0 && open[open.length - 1]!.level >= node.level) open.pop();
    const parent = open[open.length - 1];
    (parent ? parent.children : roots).push(node);
    open.push(node);
  }
  return roots;
}
