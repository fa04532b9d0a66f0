/** Types of keys.js. */
export declare function cacheKeys(prefix: string): {
  tagsExpired: string;
  tagsStale: string;
  tagsExpires: string;
  useCacheEntry: (key: string) => string;
  pageEntry: (key: string) => string;
  pageRender: (key: string) => string;
  changeSequence: string;
  changeApplied: (change: string) => string;
};
export declare const ALL_TAGS: string;
