// Nova's instance states, as nova/compute/{vm_states,task_states,power_state}.py keep them, and
// the status the API shows for a (vm_state, task_state) pair (nova/api/openstack/common.py).

export const VM = {
  ACTIVE: 'active', BUILDING: 'building', PAUSED: 'paused', SUSPENDED: 'suspended', STOPPED: 'stopped',
  RESCUED: 'rescued', RESIZED: 'resized', SOFT_DELETED: 'soft-delete', DELETED: 'deleted', ERROR: 'error',
  SHELVED: 'shelved', SHELVED_OFFLOADED: 'shelved_offloaded',
} as const;
export type VmState = typeof VM[keyof typeof VM];

export const TASK = {
  SCHEDULING: 'scheduling', BLOCK_DEVICE_MAPPING: 'block_device_mapping', NETWORKING: 'networking', SPAWNING: 'spawning',
  IMAGE_SNAPSHOT: 'image_snapshot', IMAGE_SNAPSHOT_PENDING: 'image_snapshot_pending', IMAGE_PENDING_UPLOAD: 'image_pending_upload',
  IMAGE_UPLOADING: 'image_uploading', IMAGE_BACKUP: 'image_backup', UPDATING_PASSWORD: 'updating_password',
  RESIZE_PREP: 'resize_prep', RESIZE_MIGRATING: 'resize_migrating', RESIZE_MIGRATED: 'resize_migrated', RESIZE_FINISH: 'resize_finish',
  RESIZE_REVERTING: 'resize_reverting', RESIZE_CONFIRMING: 'resize_confirming',
  REBOOTING: 'rebooting', REBOOT_PENDING: 'reboot_pending', REBOOT_STARTED: 'reboot_started',
  REBOOTING_HARD: 'rebooting_hard', REBOOT_PENDING_HARD: 'reboot_pending_hard', REBOOT_STARTED_HARD: 'reboot_started_hard',
  PAUSING: 'pausing', UNPAUSING: 'unpausing', SUSPENDING: 'suspending', RESUMING: 'resuming',
  POWERING_OFF: 'powering-off', POWERING_ON: 'powering-on', RESCUING: 'rescuing', UNRESCUING: 'unrescuing',
  REBUILDING: 'rebuilding', REBUILD_BLOCK_DEVICE_MAPPING: 'rebuild_block_device_mapping', REBUILD_SPAWNING: 'rebuild_spawning',
  MIGRATING: 'migrating', DELETING: 'deleting', SOFT_DELETING: 'soft-deleting', RESTORING: 'restoring',
  SHELVING: 'shelving', SHELVING_IMAGE_PENDING_UPLOAD: 'shelving_image_pending_upload', SHELVING_IMAGE_UPLOADING: 'shelving_image_uploading',
  SHELVING_OFFLOADING: 'shelving_offloading', UNSHELVING: 'unshelving',
} as const;
export type TaskState = typeof TASK[keyof typeof TASK];

export const POWER = { NOSTATE: 0, RUNNING: 1, PAUSED: 3, SHUTDOWN: 4, CRASHED: 6, SUSPENDED: 7 } as const;
export type PowerState = typeof POWER[keyof typeof POWER];

export const SOFT_REBOOT_STATES: readonly string[] = [TASK.REBOOTING, TASK.REBOOT_PENDING, TASK.REBOOT_STARTED];
export const HARD_REBOOT_STATES: readonly string[] = [TASK.REBOOTING_HARD, TASK.REBOOT_PENDING_HARD, TASK.REBOOT_STARTED_HARD];
/** Task states a reboot may interrupt (task_states.ALLOW_REBOOT). */
export const ALLOW_REBOOT: readonly (string | null)[] = [null, TASK.REBOOTING, TASK.REBOOT_PENDING, TASK.REBOOT_STARTED, TASK.RESUMING,
  TASK.REBOOTING_HARD, TASK.UNPAUSING, TASK.PAUSING, TASK.SUSPENDING];
export const ALLOW_HARD_REBOOT_VM: readonly string[] = [VM.ACTIVE, VM.STOPPED, VM.PAUSED, VM.SUSPENDED, VM.ERROR];

type StateMap = Record<string, Record<string, string>>;
const REBUILD = { [TASK.REBUILDING]: 'REBUILD', [TASK.REBUILD_BLOCK_DEVICE_MAPPING]: 'REBUILD', [TASK.REBUILD_SPAWNING]: 'REBUILD' };
const RESIZE = { [TASK.RESIZE_PREP]: 'RESIZE', [TASK.RESIZE_MIGRATING]: 'RESIZE', [TASK.RESIZE_MIGRATED]: 'RESIZE', [TASK.RESIZE_FINISH]: 'RESIZE' };

const STATE_MAP: StateMap = {
  [VM.ACTIVE]: {
    default: 'ACTIVE',
    [TASK.REBOOTING]: 'REBOOT', [TASK.REBOOT_PENDING]: 'REBOOT', [TASK.REBOOT_STARTED]: 'REBOOT',
    [TASK.REBOOTING_HARD]: 'HARD_REBOOT', [TASK.REBOOT_PENDING_HARD]: 'HARD_REBOOT', [TASK.REBOOT_STARTED_HARD]: 'HARD_REBOOT',
    [TASK.UPDATING_PASSWORD]: 'PASSWORD', ...REBUILD, [TASK.MIGRATING]: 'MIGRATING', ...RESIZE,
  },
  [VM.BUILDING]: { default: 'BUILD' },
  [VM.STOPPED]: { default: 'SHUTOFF', ...RESIZE, ...REBUILD },
  [VM.RESIZED]: { default: 'VERIFY_RESIZE', [TASK.RESIZE_REVERTING]: 'REVERT_RESIZE' },
  [VM.PAUSED]: { default: 'PAUSED', [TASK.MIGRATING]: 'MIGRATING' },
  [VM.SUSPENDED]: { default: 'SUSPENDED' },
  [VM.RESCUED]: { default: 'RESCUE' },
  [VM.ERROR]: { default: 'ERROR', ...REBUILD },
  [VM.DELETED]: { default: 'DELETED' },
  [VM.SOFT_DELETED]: { default: 'SOFT_DELETED' },
  [VM.SHELVED]: { default: 'SHELVED' },
  [VM.SHELVED_OFFLOADED]: { default: 'SHELVED_OFFLOADED' },
};

/** The API status of a server (common.status_from_state). */
export function statusFromState(vmState: string, taskState: string | null): string {
  const map = STATE_MAP[vmState];
  if (!map) return 'UNKNOWN';
  return (taskState !== null && map[taskState]) || map.default!;
}

/**
 * The vm and task states behind API statuses (common.task_and_vm_state_from_status); 'default'
 * in the task list means "any task state".
 */
export function statesFromStatuses(statuses: string[]): { vmStates: string[]; taskStates: string[] } {
  const wanted = new Set(statuses.map((s) => s.toLowerCase()));
  const vm = new Set<string>();
  const task = new Set<string>();
  for (const [state, map] of Object.entries(STATE_MAP)) {
    for (const [t, status] of Object.entries(map)) {
      if (wanted.has(status.toLowerCase())) { vm.add(state); task.add(t); }
    }
  }
  return { vmStates: [...vm].sort(), taskStates: [...task].sort() };
}
