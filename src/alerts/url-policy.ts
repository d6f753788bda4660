/**
 * Where an alert route may send: https by default, plain http only to hosts the route lists in
 * `allowInsecureHosts`, never with credentials in the URL, and never to a loopback, link-local,
 * private or unspecified address or the cloud metadata service unless the route lists it in
 * `allowPrivateHosts`. The same rules run when a config is parsed (on what the URL says) and when
 * an alert is sent (on what the host resolves to then). Messages name the route's keys
 * (`alerts[2].allowPrivateHosts`) and never repeat the URL, which may be a secret (a Slack webhook).
 */
import { isIP } from 'node:net';
import { HostAllowlist, RESTRICTED_KIND_TEXT, bareHost, refusedAddress } from './address-policy';

export interface DestinationPolicy {
  allowInsecureHosts: readonly string[];
  allowPrivateHosts: readonly string[];
}

/** What is wrong with the URL itself, before any lookup; `routePath` is the route in the config (`alerts[0]`). */
export function urlProblem(url: URL, policy: DestinationPolicy, routePath: string): string | null {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `only https URLs are allowed (http to listed hosts), not ${url.protocol}`;
  if (url.username !== '' || url.password !== '') {
    return `credentials in the URL (user:password@) are not allowed: they would be sent and stored with every alert; a webhook signs with secretEnv instead`;
  }
  if (url.protocol === 'http:' && !new HostAllowlist(policy.allowInsecureHosts).includesHost(url.hostname)) {
    return `http sends alerts unencrypted to ${url.hostname}: use https, or add '${bareHost(url.hostname)}' to ${routePath}.allowInsecureHosts`;
  }
  return null;
}

/** What is wrong with the addresses the URL's host resolved to (an address literal resolves to itself). */
export function addressProblem(host: string, addresses: readonly string[], policy: DestinationPolicy, routePath: string): string | null {
  const refused = refusedAddress(host, addresses, new HostAllowlist(policy.allowPrivateHosts));
  if (refused === null) return null;
  const what = bareHost(host) === refused.address
    ? `${refused.address} is ${RESTRICTED_KIND_TEXT[refused.kind]}`
    : `${host} resolves to ${refused.address}, ${RESTRICTED_KIND_TEXT[refused.kind]}`;
  return `${what}; add '${refused.address}' to ${routePath}.allowPrivateHosts to allow it`;
}

/** Both checks that need no lookup: the URL, and its host when it is an address literal. */
export function configuredUrlProblem(url: URL, policy: DestinationPolicy, routePath: string): string | null {
  const host = bareHost(url.hostname);
  return urlProblem(url, policy, routePath) ?? (isIP(host) ? addressProblem(host, [host], policy, routePath) : null);
}
