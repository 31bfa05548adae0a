import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { parseTraceparent } from './request-context.js';

export { type Span, SpanKind } from '@opentelemetry/api';

/** What a process needs to export spans; read by its config.ts. */
export interface TracingConfig {
  /** OTLP/HTTP base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`); unset = tracing off. */
  endpoint: string | undefined;
}

export interface Tracing {
  /** Flush the spans still buffered and stop exporting; a no-op when tracing is off. */
  shutdown(): Promise<void>;
}

// The API's global tracer is a no-op until a provider registers, so when tracing is off every
// span below costs one boolean check: `tracingEnabled()` guards the hot paths.
let enabled = false;
let tracer: Tracer = trace.getTracer('edge');

/** True once `startTracing` registered an exporter in this process. */
export function tracingEnabled(): boolean {
  return enabled;
}

/**
 * Export this process's spans over OTLP/HTTP when an endpoint is configured; otherwise leave
 * the no-op tracer in place. Call once at start, before serving.
 */
export async function startTracing(service: string, config: TracingConfig): Promise<Tracing> {
  if (!config.endpoint) return { shutdown: async () => {} };
  // Loaded only when tracing is on: the SDK and exporter cost every process about 4 MB of
  // resident memory (2.4 MB of heap) that a process not exporting spans never uses.
  const [
    { OTLPTraceExporter },
    { resourceFromAttributes },
    { BatchSpanProcessor, TracerProvider },
  ] = await Promise.all([
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace'),
  ]);
  // No global registration: spans get their parent from an explicit context (the request's
  // `traceparent` or a saga's stored one), never from an async-local active span.
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: `${config.endpoint.replace(/\/$/, '')}/v1/traces` }),
      }),
    ],
  });
  tracer = provider.getTracer('edge');
  enabled = true;
  return {
    shutdown: async () => {
      enabled = false;
      tracer = trace.getTracer('edge');
      await provider.shutdown();
    },
  };
}

/** The remote parent a W3C `traceparent` names, or the root context when it is absent or bad. */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  const parent = parseTraceparent(traceparent);
  if (!parent) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: parent.traceId,
    spanId: parent.spanId,
    traceFlags: Number.parseInt(parent.flags, 16),
    isRemote: true,
  });
}

/** The `traceparent` that makes the next hop a child of `span`. */
export function traceparentOf(span: Span): string {
  const { traceId, spanId, traceFlags } = span.spanContext();
  return `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`;
}

/** Start a span whose parent is the hop named by `parentTraceparent` (a new trace without one). */
export function startSpan(
  name: string,
  parentTraceparent: string | undefined,
  options: { kind?: SpanKind; attributes?: Attributes } = {},
): Span {
  return tracer.startSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      ...(options.attributes ? { attributes: options.attributes } : {}),
    },
    contextFromTraceparent(parentTraceparent),
  );
}

/** Mark `span` as failed with the error's message; the caller still ends it. */
export function recordFailure(span: Span, err: unknown): void {
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: err instanceof Error ? err.message : String(err),
  });
}
