'use strict';
// s3rver's command line with one fix: its DeleteObject removes the key's emptied parent directories
// without expecting company, so two deletes of keys in the same directory at once (orphan or cache
// removal, which delete concurrently) race and one answers 500 InternalError (ENOENT/ENOTEMPTY).
// Real S3 has no directories; here a directory another delete removed or refilled is left as it is.
// Used by test/setup/s3rver.sh and test/helpers/s3.ts (startS3rver).
const fs = require('node:fs');
const path = require('node:path');
const FilesystemStore = require('s3rver/lib/stores/filesystem');

FilesystemStore.prototype.deleteObject = async function deleteObject(bucket, key) {
  await Promise.all(
    [this.getResourcePath(bucket, key, 'object'), this.getResourcePath(bucket, key, 'object.md5'), this.getResourcePath(bucket, key, 'metadata.json')].map((file) =>
      fs.promises.unlink(file).catch((error) => {
        if (error.code !== 'ENOENT') throw error;
      }),
    ),
  );
  const bucketPath = this.getBucketPath(bucket);
  const parts = key.split('/');
  parts.pop();
  while (parts.length) {
    try {
      await fs.promises.rmdir(path.join(bucketPath, ...parts));
    } catch (error) {
      if (['ENOENT', 'ENOTEMPTY', 'EEXIST'].includes(error.code)) break;
      throw error;
    }
    parts.pop();
  }
};

if (require.main === module) require('s3rver/bin/s3rver.js');
