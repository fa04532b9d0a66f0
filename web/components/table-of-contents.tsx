import { nestToc, type TocEntry, type TocNode } from '@/lib/toc';

/** The post's headings as in-page links; shown when there are at least two. */
export function TableOfContents({ entries }: { entries: TocEntry[] }) {
  if (entries.length < 2) return null;
  return (
    <nav aria-labelledby="toc-heading" className="rounded-lg border border-rule bg-surface px-5 py-4 text-sm">
      <h2 id="toc-heading" className="font-semibold">
        On this page
      </h2>
      <TocLevel nodes={nestToc(entries)} />
    </nav>
  );
}

function TocLevel({ nodes }: { nodes: TocNode[] }) {
  return (
    <ol className="mt-2 space-y-1 [&_ol]:mt-1 [&_ol]:ps-4">
      {nodes.map((node) => (
        <li key={node.anchor}>
          <a href={`#${node.anchor}`} className="text-muted hover:text-accent">
            {node.text}
          </a>
          {node.children.length > 0 && <TocLevel nodes={node.children} />}
        </li>
      ))}
    </ol>
  );
}
