import { describe, expect, it } from 'vitest';
import { addressProblem, configuredUrlProblem, urlProblem } from '../../../src/alerts/url-policy';

const none = { allowInsecureHosts: [], allowPrivateHosts: [] };
const local = { allowInsecureHosts: ['127.0.0.1'], allowPrivateHosts: ['127.0.0.1'] };

describe('alert URL policy', () => {
  it('takes https, and http only to a listed host', () => {
    expect(urlProblem(new URL('https://hooks.example.test/x'), none, 'alerts[0]')).toBeNull();
    expect(urlProblem(new URL('http://hooks.example.test/x'), none, 'alerts[0]'))
      .toBe("http sends alerts unencrypted to hooks.example.test: use https, or add 'hooks.example.test' to alerts[0].allowInsecureHosts");
    expect(urlProblem(new URL('http://127.0.0.1:9/x'), local, 'alerts[0]')).toBeNull();
    expect(urlProblem(new URL('http://[::1]:9/x'), { ...none, allowInsecureHosts: ['::1'] }, 'alerts[0]')).toBeNull();
    expect(urlProblem(new URL('ftp://hooks.example.test/x'), none, 'alerts[0]')).toMatch(/^only https URLs are allowed/);
  });

  it('refuses credentials in the URL without repeating them', () => {
    const problem = urlProblem(new URL('https://user:hunter22@hooks.example.test/x'), none, 'alerts[3]');
    expect(problem).toMatch(/^credentials in the URL \(user:password@\) are not allowed/);
    expect(problem).not.toContain('hunter22');
  });

  it('refuses restricted addresses with the address, what it is, and the key that would allow it', () => {
    expect(addressProblem('hooks.internal', ['10.0.0.5'], none, 'alerts[1]'))
      .toBe("hooks.internal resolves to 10.0.0.5, a private address; add '10.0.0.5' to alerts[1].allowPrivateHosts to allow it");
    expect(addressProblem('169.254.169.254', ['169.254.169.254'], none, 'alerts[0]'))
      .toBe("169.254.169.254 is the cloud metadata service; add '169.254.169.254' to alerts[0].allowPrivateHosts to allow it");
    expect(addressProblem('[::1]', ['::1'], none, 'alerts[0]')).toBe("::1 is a loopback address; add '::1' to alerts[0].allowPrivateHosts to allow it");
    expect(addressProblem('127.0.0.1', ['127.0.0.1'], local, 'alerts[0]')).toBeNull();
    expect(addressProblem('hooks.example.test', ['93.184.216.34'], none, 'alerts[0]')).toBeNull();
  });

  it('checks what a config can say without a lookup: the URL, and an address literal as host', () => {
    expect(configuredUrlProblem(new URL('https://10.1.2.3/x'), none, 'alerts[0]')).toMatch(/^10\.1\.2\.3 is a private address/);
    expect(configuredUrlProblem(new URL('https://[fe80::1]/x'), none, 'alerts[0]')).toMatch(/^fe80::1 is a link-local address/);
    expect(configuredUrlProblem(new URL('http://127.0.0.1/x'), { ...local, allowPrivateHosts: [] }, 'alerts[0]')).toMatch(/^127\.0\.0\.1 is a loopback/);
    expect(configuredUrlProblem(new URL('http://127.0.0.1/x'), local, 'alerts[0]')).toBeNull();
    // A host name is only checked when it is resolved, at send time.
    expect(configuredUrlProblem(new URL('https://localhost/x'), none, 'alerts[0]')).toBeNull();
  });
});
