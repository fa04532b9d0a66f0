import type { Metadata } from 'next';
import { LoginForm } from '@/components/admin/login-form';

export const metadata: Metadata = { title: 'Sign in' };

export default function LoginPage() {
  return (
    <section className="space-y-6">
      <h1 className="font-serif text-3xl font-semibold tracking-tight">Sign in</h1>
      <p className="text-muted">Sign in with your author account to write and publish.</p>
      <LoginForm />
    </section>
  );
}
