import { describe, expect, it } from 'vitest';
import { nestToc } from './toc';

const entry = (level: number, anchor: string) => ({ level, anchor, text: anchor });

describe('nestToc', () => {
  it('nests deeper headings under the heading before them', () => {
    const nested = nestToc([entry(2, 'a'), entry(3, 'a1'), entry(3, 'a2'), entry(2, 'b'), entry(4, 'b1'), entry(2, 'c')]);

    expect(nested.map((node) => node.anchor)).toEqual(['a', 'b', 'c']);
    expect(nested[0]?.children.map((node) => node.anchor)).toEqual(['a1', 'a2']);
    expect(nested[1]?.children.map((node) => node.anchor)).toEqual(['b1']);
  });

  it('keeps a document that starts below its top level flat at first', () => {
    const nested = nestToc([entry(3, 'x'), entry(2, 'y'), entry(3, 'z')]);

    expect(nested.map((node) => node.anchor)).toEqual(['x', 'y']);
    expect(nested[1]?.children.map((node) => node.anchor)).toEqual(['z']);
  });
});
