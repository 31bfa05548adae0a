import { loadBffConfig } from '@edge/bff-runtime';
import { DEFAULT_PORTS, env, loadConfig as load, z } from '@edge/common';

const webOnly = z.object({
  /** Serve schema-preview.graphql as well: fields in preview, off by default. */
  WEB_PREVIEW_FIELDS: env.bool(false),
});

/** The shared BFF settings (upstream knobs included) plus bff-web's own. */
export const loadBffWebConfig = (source = process.env) =>
  Object.freeze({
    ...loadBffConfig(DEFAULT_PORTS['bff-web'], source),
    previewFields: load(webOnly, source).WEB_PREVIEW_FIELDS,
  });
