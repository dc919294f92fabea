// How long data stays where, per bucket. These move to landfall.config.ts once the config schema
// has a storage section; until then this module is the one place to change them.

/** Landed raw data moves to the archive class after this many days. */
export const LANDING_ARCHIVE_AFTER_DAYS = 30;

/**
 * Archive class for landed data. Glacier Instant Retrieval keeps `GetObject` working without a
 * restore step, so reprocessing an old run reads the landed files like new ones.
 */
export const LANDING_ARCHIVE_STORAGE_CLASS = 'GLACIER_IR';

/** Overwritten or deleted versions (landing, results) are kept this long, then expire. */
export const NONCURRENT_VERSION_EXPIRY_DAYS = 30;

/** Staging buckets only hold job work areas; anything left there is removed after this long. */
export const STAGING_EXPIRY_DAYS = 14;

/** Multipart uploads that never completed (a crashed copy or upload) are aborted after this long. */
export const ABORT_INCOMPLETE_UPLOAD_DAYS = 7;
