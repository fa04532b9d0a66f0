import { Suspense } from 'react';
import { RecentPosts, RecentPostsPlaceholder } from '@/components/recent-posts';

export default function HomePage() {
  return (
    <section aria-labelledby="recent-posts-heading">
      <h1 id="recent-posts-heading" className="mb-8 font-serif text-3xl font-semibold tracking-tight">
        Recent posts
      </h1>
      {/* The static shell ends here: the list is rendered per request (from cache). */}
      <Suspense fallback={<RecentPostsPlaceholder />}>
        <RecentPosts />
      </Suspense>
    </section>
  );
}
