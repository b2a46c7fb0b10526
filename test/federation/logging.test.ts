import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getLogger } from '@logtape/logtape';
import { routeFedifyLogs } from '../../src/federation/logging.ts';
import type { Logger } from '../../src/lib/logger.ts';

describe('Fedify’s logs in the instance log', () => {
  it('logs other servers’ faults as warnings and keeps errors for this instance’s own', () => {
    const seen: [string, string][] = [];
    const record = (level: string) => (fields: { category: string }, message: string) => seen.push([level, `${fields.category}: ${message}`]);
    routeFedifyLogs({ error: record('error'), warn: record('warn'), fatal: record('fatal') } as unknown as Logger);

    // a failed delivery try is logged once, by the delivery itself (test/federation/delivery.test.ts), not again by Fedify
    getLogger(['fedify', 'federation', 'outbox']).error('Failed to send activity x to y (410 Gone)');
    getLogger(['fedify', 'federation', 'outbox']).error('Failed to send activity x to y; backend will handle retry');
    getLogger(['fedify', 'federation', 'outbox']).warn('Permanent delivery failure for activity x to y (410); not retrying.');
    getLogger(['fedify', 'federation', 'outbox']).error('An unexpected error occurred in outboxPermanentFailureHandler');
    getLogger(['fedify', 'runtime', 'docloader']).error('Failed to fetch document: 404 z');
    getLogger(['fedify', 'federation', 'inbox']).error("Failed to verify the request's HTTP Signatures.");
    getLogger(['fedify', 'federation', 'inbox']).error('Failed to process the incoming activity');
    getLogger(['fedify', 'federation', 'queue']).info('not shown below warning');

    assert.deepEqual(seen, [
      ['warn', 'fedify.federation.outbox: An unexpected error occurred in outboxPermanentFailureHandler'],
      ['warn', 'fedify.runtime.docloader: Failed to fetch document: 404 z'],
      ['warn', "fedify.federation.inbox: Failed to verify the request's HTTP Signatures."],
      ['error', 'fedify.federation.inbox: Failed to process the incoming activity'],
    ]);
  });
});
