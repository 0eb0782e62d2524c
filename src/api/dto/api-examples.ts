/** Example values the Swagger document shows, one per kind of id and value. */
export const EXAMPLE_TASK_ID = '4f0c6a2e-5b1d-4c3e-9f7a-2b8c1d0e9f11';
export const EXAMPLE_SCHEDULE_ID = '9b2e7c1a-3d4f-4e5a-8b6c-7d8e9f0a1b2c';
/** Run ids are time-ordered UUIDv7. */
export const EXAMPLE_RUN_ID = '0190f5a2-7c3b-7d4e-8f5a-6b7c8d9e0f1a';
export const EXAMPLE_INSTANCE_ID = 'c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f';
/** A `nextCursor` (opaque to clients). */
export const EXAMPLE_CURSOR =
  'MjAyNy0wNS0xNFQwMjozMDowMC4wMDBafDRmMGM2YTJlLTViMWQtNGMzZS05ZjdhLTJiOGMxZDBlOWYxMQ';
export const EXAMPLE_PAYLOAD = { url: 'https://example.com/hook', method: 'POST' };
