import Link from 'next/link';
import { logOut } from '@/app/admin/actions';
import { currentSignedIn } from '@/lib/admin/auth';
import { roleName } from '@/lib/admin/roles';
import { adminRoutes } from '@/lib/admin/routes';

/** The admin area's navigation and the signed-in author, with the sign-out button. Empty when signed out. */
export async function AdminBar() {
  const signedIn = await currentSignedIn();
  if (!signedIn) return null;
  const { author, permissions } = signedIn;
  const linkClass = 'hover:text-accent';
  return (
    <div className="mb-8 flex flex-wrap items-center justify-between gap-4 border-b border-rule pb-4 text-sm">
      <nav aria-label="Admin">
        <ul className="flex flex-wrap items-center gap-5 font-medium">
          <li>
            <Link href={adminRoutes.posts()} className={linkClass}>
              All posts
            </Link>
          </li>
          <li>
            <Link href={adminRoutes.newPost()} className={linkClass}>
              New post
            </Link>
          </li>
          <li>
            <Link href={adminRoutes.media()} className={linkClass}>
              Media
            </Link>
          </li>
          {permissions.moderate && (
            <li>
              <Link href={adminRoutes.comments()} className={linkClass}>
                Comments
              </Link>
            </li>
          )}
        </ul>
      </nav>
      <form action={logOut} className="flex items-center gap-3">
        <span className="text-muted">
          {author.displayName} · {roleName(author.role)}
        </span>
        <button type="submit" className="rounded border border-rule px-3 py-1 font-medium hover:border-accent hover:text-accent">
          Log out
        </button>
      </form>
    </div>
  );
}
