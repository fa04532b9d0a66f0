import { connection } from 'next/server';
import { healthResponse } from '@/lib/health';

/** The web's health (lib/health.ts), checked anew for every request: never prerendered at build time. */
export async function GET(): Promise<Response> {
  await connection();
  return healthResponse();
}
