/**
 * The orchestrator answers with `@edge/saga-wire`'s types and validates requests with its own zod
 * schemas; `@edge/saga-client` re-exports the wire types for callers without importing the
 * orchestrator. These checks (at type level, run by `tsc`, and at run time for the lists) fail the
 * build when the schemas and the wire drift apart.
 */
import * as server from '@edge/saga';
import type * as client from '@edge/saga-client';
import { STATUS_FILTERS } from '@edge/saga-client';
import { expect, expectTypeOf, it } from 'vitest';

it('what the orchestrator answers is what the client reads', () => {
  expectTypeOf<server.SagaView>().toMatchTypeOf<client.SagaView>();
  expectTypeOf<server.SagaRef>().toMatchTypeOf<client.SagaRef>();
  expectTypeOf<server.FieldChange>().toEqualTypeOf<client.FieldChange>();
  expectTypeOf<server.SagaStatus>().toEqualTypeOf<client.SagaStatus>();
  expectTypeOf<server.ReconciliationReport>().toMatchTypeOf<client.ReconciliationReport>();
  expectTypeOf<server.FixResult>().toMatchTypeOf<client.FixResult>();
  expectTypeOf<server.DriftKind>().toEqualTypeOf<client.DriftKind>();
});

it('what the client sends is what the orchestrator accepts', () => {
  expectTypeOf<
    client.PlaceOrderBody & { type: 'place_order' }
  >().toMatchTypeOf<server.PlaceOrderRequest>();
  expectTypeOf<client.CancelBody>().toMatchTypeOf<server.CancelSagaRequest>();
  expectTypeOf<client.OperatorBody>().toMatchTypeOf<server.OperatorRequest>();
  expectTypeOf<client.ReplayBody>().toMatchTypeOf<server.ReplayRequest>();
  expectTypeOf<client.ResolveBody>().toMatchTypeOf<server.ResolveRequest>();
  expectTypeOf<client.SagaListState>().toEqualTypeOf<server.SagaListState>();
});

it('the list filters and drift kinds are the same lists', () => {
  expect([...STATUS_FILTERS].sort()).toEqual(
    ['attention', 'any', 'stuck', ...server.SAGA_STATUSES].sort(),
  );
  expect(server.DRIFT_KINDS.length).toBeGreaterThan(0);
});
