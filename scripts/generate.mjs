// `npm run generate`: regenerates gen/ from proto/ — TypeScript and Rust code
// through buf.gen.yaml, then the descriptor sets the engine serves over gRPC
// reflection (from the same compilation, so they cannot disagree): quire.v1
// with its comments, so that foreign clients see the documentation, and the
// google.rpc error details its statuses carry, so that they can decode them.
import { ensureNodeModules } from './lib/install.mjs';
import { run } from './lib/processes.mjs';

export const DESCRIPTOR_SET_PATH = 'gen/rust/src/generated/quire_descriptor.binpb';
const ERROR_DETAILS_DESCRIPTOR_SET_PATH = 'gen/rust/src/generated/google_rpc_descriptor.binpb';
const GOOGLE_PROTOS = 'node_modules/google-proto-files';

export async function generate() {
  await ensureNodeModules();
  await run('buf', ['generate']);
  await run('buf', ['build', 'proto', '--as-file-descriptor-set', '-o', DESCRIPTOR_SET_PATH]);
  await run('buf', [
    'build',
    GOOGLE_PROTOS,
    '--path',
    `${GOOGLE_PROTOS}/google/rpc/error_details.proto`,
    '--as-file-descriptor-set',
    '-o',
    ERROR_DETAILS_DESCRIPTOR_SET_PATH,
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  generate().catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
}
