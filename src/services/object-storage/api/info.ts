// GET /info (the capabilities: constraints and every enabled middleware, as Swift's proxy
// registers them), /healthcheck and /crossdomain.xml — unauthenticated, at the endpoint root.
import type { SwiftDeps } from '../service/deps.ts';
import { POLICY_NAME } from '../service/deps.ts';
import { SYMLOOP_MAX } from '../service/symlinks.ts';
import type { SwiftResponse } from './swift-http.ts';

export const SWIFT_VERSION = '2.30.1';

export function capabilities(deps: SwiftDeps): Record<string, unknown> {
  const c = deps.constraints;
  const cfg = (k: string) => deps.config.int(`object_storage.${k}`);
  const realms: Record<string, { clusters: Record<string, object> }> = {};
  for (const entry of deps.config.list('object_storage.sync_realms') ?? []) {
    const [realm, cluster] = entry.split('/');
    if (!realm || !cluster) continue;
    (realms[realm.toUpperCase()] ??= { clusters: {} }).clusters[cluster.toUpperCase()] = {};
  }
  return {
    swift: {
      version: SWIFT_VERSION,
      strict_cors_mode: true,
      policies: [{ name: POLICY_NAME, aliases: POLICY_NAME, default: true }],
      allow_account_management: false,
      account_autocreate: true,
      allow_open_expired: false,
      max_file_size: c.max_file_size,
      max_meta_name_length: c.max_meta_name_length,
      max_meta_value_length: c.max_meta_value_length,
      max_meta_count: c.max_meta_count,
      max_meta_overall_size: c.max_meta_overall_size,
      max_header_size: c.max_header_size,
      max_request_line: 8192,
      max_object_name_length: c.max_object_name_length,
      container_listing_limit: c.container_listing_limit,
      account_listing_limit: c.account_listing_limit,
      max_account_name_length: c.max_account_name_length,
      max_container_name_length: c.max_container_name_length,
      extra_header_count: c.extra_header_count,
    },
    bulk_upload: { max_containers_per_extraction: cfg('max_containers_per_extraction'), max_failed_extractions: cfg('max_failed_extractions') },
    bulk_delete: { max_deletes_per_request: cfg('max_deletes_per_request'), max_failed_deletes: cfg('max_failed_deletes') },
    tempurl: {
      methods: deps.config.list('object_storage.tempurl_methods'),
      incoming_remove_headers: ['x-timestamp'],
      incoming_allow_headers: [],
      outgoing_remove_headers: ['x-object-meta-*'],
      outgoing_allow_headers: ['x-object-meta-public-*'],
      allowed_digests: [...(deps.config.list('object_storage.allowed_digests') ?? [])].sort(),
    },
    formpost: { allowed_digests: [...(deps.config.list('object_storage.allowed_digests') ?? [])].sort() },
    symlink: { symloop_max: SYMLOOP_MAX, static_links: true },
    slo: { max_manifest_segments: cfg('max_manifest_segments'), max_manifest_size: cfg('max_manifest_size'), yield_frequency: 10, min_segment_size: 1, allow_async_delete: false },
    account_quotas: {},
    container_quotas: {},
    staticweb: {},
    crossdomain: {},
    versioned_writes: { allowed_flags: ['x-versions-location', 'x-history-location'] },
    object_versioning: {},
    container_sync: { realms },
  };
}

export function infoResponse(deps: SwiftDeps): SwiftResponse {
  return { status: 200, headers: { 'Content-Type': 'application/json; charset=UTF-8' }, body: JSON.stringify(capabilities(deps)) };
}

export const healthcheck = (): SwiftResponse => ({ status: 200, headers: { 'Content-Type': 'text/plain' }, body: 'OK' });

export const crossdomain = (): SwiftResponse => ({
  status: 200,
  headers: { 'Content-Type': 'application/xml; charset=utf-8' },
  body: '<?xml version="1.0"?>\n<!DOCTYPE cross-domain-policy SYSTEM "http://www.adobe.com/xml/dtds/cross-domain-policy.dtd" >\n<cross-domain-policy>\n<allow-access-from domain="*" secure="false" />\n</cross-domain-policy>',
});
