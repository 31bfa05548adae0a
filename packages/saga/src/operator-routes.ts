import {
  AppError,
  ErrorCode,
  isAppError,
  type RequestContext,
  type Route,
  readJson,
  sendJson,
} from '@edge/common';
import { guarded, parse, query } from './api-handler.js';
import { auditRecords } from './audit-log.js';
import type { EventDeadLetters } from './event-dead-letters.js';
import { clearedSessionCookie, csrfTokenFor, sessionCookie } from './operator-session.js';
import { newNonce, sendPage } from './page-security.js';
import { refundOwed } from './refund-owed.js';
import {
  type PageFrame,
  type ReconciliationPanel,
  renderAuditPage,
  renderEventsPage,
  renderProblemPage,
  renderRemediationPage,
  renderSignInPage,
  renderTimelinePage,
} from './remediation-page.js';
import type { Saga } from './saga.js';
import { operatorRequest, signInRequest } from './saga-api-schemas.js';
import type { SagaAuth, SignedIn } from './saga-auth.js';
import { scanSagas, searchQuery, searchSagas, summarize } from './saga-search.js';
import type { SagaStore } from './saga-store.js';
import { timelineOf } from './saga-timeline.js';
import { editableStepsOf } from './step-edit.js';

export interface OperatorRoutesOptions {
  store: SagaStore;
  isStuck: (saga: Saga) => boolean;
  auth: SagaAuth;
  /** Mark the session cookie Secure (production: the page is served over TLS only). */
  secureCookies: boolean;
  /** Say how to get a dev token on the sign-in page (the dev stack is its own IdP). */
  devStack: boolean;
  /** The reconciliation panel: the last report and the newest failed run, when given. */
  reconciliation?: () => Promise<ReconciliationPanel | undefined>;
  /** The order event consumers' dead letters (a consumers process), listed and replayed here. */
  events: EventDeadLetters;
}

/** Dead letters listed per group on the events page. */
const DEAD_LETTERS_SHOWN = 50;

const AUDIT_LIMIT = 500;

/** The operator page, its session and the audit log; the actions it calls live in saga-api.ts. */
export function createOperatorRoutes(options: OperatorRoutesOptions): Route[] {
  const { store, isStuck, auth } = options;

  /** The signed-in page's frame, or the sign-in page (401) for anyone without a valid session. */
  const framed = (
    render: (ctx: RequestContext, frame: PageFrame, who: SignedIn) => Promise<string>,
  ) =>
    guarded(async (ctx) => {
      const nonce = newNonce();
      let who: SignedIn | undefined;
      try {
        who = await auth.signedIn(ctx);
      } catch (error) {
        // An expired or role-less token: show how to sign in again rather than an error.
        ctx.log.info({ err: (error as Error).message }, 'operator page refused a session');
      }
      if (!who) {
        sendPage(ctx.res, 401, renderSignInPage(nonce, options.devStack), nonce, {
          'set-cookie': clearedSessionCookie(options.secureCookies),
        });
        return;
      }
      const frame = { nonce, csrf: csrfTokenFor(who.token), subject: who.subject, role: who.role };
      let page: string;
      try {
        page = await render(ctx, frame, who);
      } catch (error) {
        // A browser asked for a page: a refusal of the client's input, or a service behind the
        // page that does not answer, reads as one in the frame, not as JSON.
        if (!isAppError(error) || (error.status >= 500 && error.status !== 503)) throw error;
        const { status, code, message } = error;
        const runbook =
          typeof error.details?.['runbook'] === 'string' ? error.details['runbook'] : undefined;
        sendPage(
          ctx.res,
          status,
          renderProblemPage(frame, { status, code, message, runbook }),
          nonce,
          error.headers,
        );
        return;
      }
      sendPage(ctx.res, 200, page, nonce);
    });

  return [
    {
      method: 'GET',
      path: '/remediation',
      handler: framed(async (ctx, frame) => {
        const q = parse(searchQuery, query(ctx));
        const now = Date.now();
        const [result, reconciliation] = await Promise.all([
          searchSagas(store, isStuck, q, now),
          options.reconciliation?.(),
        ]);
        return renderRemediationPage({
          frame,
          editable: Object.fromEntries(
            result.sagas.map((saga) => [saga.id, editableStepsOf(saga)]),
          ),
          query: q,
          rawQuery: ctx.url.searchParams,
          result,
          now,
          reconciliation,
        });
      }),
    },
    {
      method: 'GET',
      path: '/remediation/sagas/:id',
      handler: framed(async (ctx, frame) => {
        const id = ctx.params['id'] ?? '';
        const saga = await store.get(id);
        if (!saga) throw new AppError(ErrorCode.NOT_FOUND, `No saga ${id}`);
        return renderTimelinePage(
          frame,
          summarize(saga, isStuck(saga)),
          timelineOf(saga),
          Date.now(),
          editableStepsOf(saga),
          refundOwed(saga),
        );
      }),
    },
    {
      method: 'GET',
      path: '/remediation/events',
      handler: framed(async (_ctx, frame, who) => {
        try {
          const groups = await options.events.groups(who.token);
          const deadLetters = await Promise.all(
            groups.map(async (g) => ({
              ...g,
              items: await options.events.list(g.group, DEAD_LETTERS_SHOWN, who.token),
            })),
          );
          return renderEventsPage(frame, deadLetters);
        } catch (error) {
          if (isAppError(error) && error.code === ErrorCode.UPSTREAM_UNAVAILABLE) {
            throw new AppError(error.code, error.message, {
              details: { runbook: 'EdgeOrderEventsNoLiveConsumer' },
              cause: error,
            });
          }
          throw error;
        }
      }),
    },
    {
      method: 'POST',
      path: '/events/:group/replay',
      handler: guarded(async (ctx) => {
        auth.stateChange(ctx);
        const { subject, token } = await auth.operator(ctx, 'operator');
        const { reason } = parse(operatorRequest, await readJson(ctx.req));
        const group = ctx.params['group'] ?? '';
        const replayed = await options.events.replayAll(group, token);
        // Event replays leave no saga history, so the log line is their audit record.
        ctx.log.info(
          { subject, group, reason, replayed: replayed.length },
          'dead letters replayed',
        );
        sendJson(ctx.res, 202, { group, replayed });
      }),
    },
    {
      method: 'GET',
      path: '/remediation/audit',
      handler: framed(async (_ctx, frame) =>
        renderAuditPage(frame, auditRecords((await scanSagas(store)).flat(), AUDIT_LIMIT)),
      ),
    },
    {
      method: 'GET',
      path: '/audit',
      handler: guarded(async (ctx) => {
        await auth.operator(ctx, 'viewer');
        sendJson(ctx.res, 200, {
          items: auditRecords((await scanSagas(store)).flat(), AUDIT_LIMIT),
        });
      }),
    },
    {
      method: 'POST',
      path: '/session',
      handler: guarded(async (ctx) => {
        auth.stateChange(ctx);
        const { token } = parse(signInRequest, await readJson(ctx.req));
        const operator = await auth.verifyOperator(token);
        ctx.log.info({ subject: operator.subject, role: operator.role }, 'operator signed in');
        sendJson(
          ctx.res,
          200,
          { subject: operator.subject, role: operator.role },
          { 'set-cookie': sessionCookie(token, operator.expiresAt, options.secureCookies) },
        );
      }),
    },
    {
      method: 'POST',
      path: '/session/end',
      handler: guarded(async (ctx) => {
        auth.stateChange(ctx);
        const who = await auth.operator(ctx, 'viewer');
        ctx.log.info({ subject: who.subject }, 'operator signed out');
        sendJson(
          ctx.res,
          200,
          { signedOut: true },
          {
            'set-cookie': clearedSessionCookie(options.secureCookies),
          },
        );
      }),
    },
  ];
}
