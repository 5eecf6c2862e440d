// Drivers by name (compute.driver). An unknown name fails at start.
import type { Config } from '../../../lib/config.ts';
import type { ComputeDriver } from './driver.ts';
import { FakeDriver } from './fake.ts';

export type { ComputeDriver } from './driver.ts';

export function createDriver(name: string, config: Config, stateDir: string): ComputeDriver {
  switch (name) {
    case 'fake': {
      const pattern = config.str('compute.fake_fail_spawn');
      const fail = pattern ? new RegExp(pattern) : undefined;
      return new FakeDriver({
        spawnDelayMs: config.int('compute.fake_spawn_delay_ms'),
        actionDelayMs: config.int('compute.fake_action_delay_ms'),
        failSpawn: fail ? (spec) => fail.test(spec.display_name) : undefined,
        resources: { vcpus: config.int('compute.fake_vcpus'), memory_mb: config.int('compute.fake_memory_mb'), local_gb: config.int('compute.fake_local_gb') },
        stateDir,
      });
    }
    default:
      throw new Error(`compute.driver: unknown driver '${name}' (known: fake)`);
  }
}
