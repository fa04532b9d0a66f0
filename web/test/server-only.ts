// Stands in for the `server-only` marker package in unit tests. The real one
// throws when imported outside a React Server Components build, which is
// exactly what vitest is; the guard itself is enforced by `next build`.
export {};
