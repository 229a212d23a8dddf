/**
 * V8 flags the Shotboard server runs with (`npm start`, the e2e app, the benchmarks' and the
 * reliability suite's live nodes), so what is measured is what is deployed.
 *
 * --max-semi-space-size=4: caps V8's young generation at 3 × 4 MiB. Each websocket upgrade
 * (session decryption, membership queries) and each accepted update leaves short-lived garbage;
 * with the default cap (16 MiB semi-spaces) V8 grows the young generation to ~48 MiB under load
 * and keeps it. With 500 clients on one document: RSS ~158 → ~132 MiB, live heap unchanged
 * (~22 MiB after a full GC); scavenges are more frequent but each stays well under a millisecond.
 */
export const SERVER_NODE_FLAGS = ["--max-semi-space-size=4"];
