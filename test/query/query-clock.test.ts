// QueryService reads the time from its `clock` option, as the other services do: an execution's
// SubmissionDateTime and CompletionDateTime are the injected clock's.
import { describe, expect, it } from 'vitest';
import { KeyManagementService, ObjectStore } from '../../src/index.js';
import { QueryService } from '../../src/query/query-service.js';
import { movableClock } from '../helpers/movable-clock.js';
import { ACCOUNT, runQuery } from './query-fixture.js';

describe('QueryService with an injected clock', () => {
  it('stamps an execution\'s submission and completion with the clock\'s time', async () => {
    const clock = movableClock('2033-03-04T05:06:07.000Z');
    const kms = new KeyManagementService({ account: ACCOUNT, region: 'us-east-1', clock });
    const s3 = new ObjectStore({ kms, clock });
    await s3.createBucket({ Bucket: 'results' });
    const queries = new QueryService({ s3, kms, clock });
    const execution = await runQuery(queries, 'SELECT 1');
    expect(execution.Status.State).toBe('SUCCEEDED');
    expect(execution.Status.SubmissionDateTime).toEqual(new Date('2033-03-04T05:06:07.000Z'));
    expect(execution.Status.CompletionDateTime).toEqual(new Date('2033-03-04T05:06:07.000Z'));
  });
});
