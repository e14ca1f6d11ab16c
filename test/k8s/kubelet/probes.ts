import http from 'node:http';
import net from 'node:net';
import type { V1Container, V1Probe } from '@kubernetes/client-node';

/** What a probe needs from the pod it checks. */
export interface ProbeTarget {
  readonly podIp: string;
  readonly container: V1Container;
  /** Runs `argv` inside the pod (its namespace and mounts) and resolves to its exit code. */
  exec(argv: readonly string[], timeoutMs: number): Promise<number>;
}

/** A probe's timing, with Kubernetes' defaults filled in. */
export interface ProbeTiming {
  readonly initialDelayMs: number;
  readonly periodMs: number;
  readonly timeoutMs: number;
  readonly successThreshold: number;
  readonly failureThreshold: number;
}

/** Timing of `probe` with the defaults of the API (period 10 s, timeout 1 s, thresholds 1/3). */
export function probeTiming(probe: V1Probe): ProbeTiming {
  return {
    initialDelayMs: (probe.initialDelaySeconds ?? 0) * 1000,
    periodMs: Math.max(1, probe.periodSeconds ?? 10) * 1000,
    timeoutMs: Math.max(1, probe.timeoutSeconds ?? 1) * 1000,
    successThreshold: Math.max(1, probe.successThreshold ?? 1),
    failureThreshold: Math.max(1, probe.failureThreshold ?? 3),
  };
}

function resolvePort(port: number | string | undefined, container: V1Container): number {
  if (typeof port === 'number') return port;
  if (port !== undefined && /^\d+$/.test(port)) return Number(port);
  const named = container.ports?.find((p) => p.name === port);
  if (named === undefined)
    throw new Error(`probe port "${String(port)}" is not a port of container ${container.name}`);
  return named.containerPort;
}

/** Runs one probe attempt; resolves true on success. Never rejects. */
export async function runProbe(probe: V1Probe, target: ProbeTarget): Promise<boolean> {
  const { timeoutMs } = probeTiming(probe);
  try {
    if (probe.httpGet !== undefined) {
      const port = resolvePort(probe.httpGet.port as number | string, target.container);
      const host = probe.httpGet.host ?? target.podIp;
      const pathPart = probe.httpGet.path ?? '/';
      return await new Promise<boolean>((resolve) => {
        const req = http.get(
          {
            host,
            port,
            path: pathPart,
            timeout: timeoutMs,
            headers: { 'user-agent': 'kube-probe/1.20' },
          },
          (res) => {
            res.resume();
            const code = res.statusCode ?? 0;
            resolve(code >= 200 && code < 400);
          }
        );
        req.on('timeout', () => req.destroy());
        req.on('error', () => resolve(false));
      });
    }
    if (probe.tcpSocket !== undefined) {
      const port = resolvePort(probe.tcpSocket.port as number | string, target.container);
      return await new Promise<boolean>((resolve) => {
        const sock = net.connect({
          host: probe.tcpSocket?.host ?? target.podIp,
          port,
          timeout: timeoutMs,
        });
        sock.once('connect', () => {
          sock.destroy();
          resolve(true);
        });
        sock.once('timeout', () => {
          sock.destroy();
          resolve(false);
        });
        sock.once('error', () => resolve(false));
      });
    }
    if (probe.exec?.command !== undefined && probe.exec.command.length > 0) {
      return (await target.exec(probe.exec.command, timeoutMs)) === 0;
    }
    return false;
  } catch {
    return false;
  }
}
