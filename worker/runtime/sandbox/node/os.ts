/** Facts the `os` module reports that callers may want to change. */
export interface OsOptions {
  homedir?: string
  hostname?: string
  username?: string
}

const signals = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGIOT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGCHLD: 17, SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25, SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGIO: 29, SIGPOLL: 29, SIGPWR: 30, SIGSYS: 31 }
const errno = { E2BIG: 7, EACCES: 13, EADDRINUSE: 98, EAGAIN: 11, EBADF: 9, EBUSY: 16, ECONNREFUSED: 111, ECONNRESET: 104, EEXIST: 17, EINTR: 4, EINVAL: 22, EIO: 5, EISDIR: 21, ELOOP: 40, EMFILE: 24, ENOENT: 2, ENOSPC: 28, ENOSYS: 38, ENOTDIR: 20, ENOTEMPTY: 39, EPERM: 1, EPIPE: 32, ESRCH: 3, ETIMEDOUT: 110, EXDEV: 18 }

/** Creates the `os` module of a Linux x64 machine named 'coder' whose CPU count is the browser's. */
export function createOsModule(options: OsOptions = {}) {
  const homedir = options.homedir ?? '/home/user'
  const count = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency || 1
  const started = performance.now()
  return {
    EOL: '\n',
    devNull: '/dev/null',
    platform: () => 'linux',
    type: () => 'Linux',
    arch: () => 'x64',
    machine: () => 'x86_64',
    release: () => '6.1.0-coder',
    version: () => '#1 SMP PREEMPT_DYNAMIC',
    hostname: () => options.hostname ?? 'coder',
    homedir: () => homedir,
    tmpdir: () => '/tmp',
    endianness: () => 'LE',
    cpus: () => Array.from({ length: count }, () => ({ model: 'Virtual CPU', speed: 2400, times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 } })),
    availableParallelism: () => count,
    totalmem: () => 4 * 1024 ** 3,
    freemem: () => 2 * 1024 ** 3,
    loadavg: () => [0, 0, 0],
    uptime: () => Math.floor((performance.now() - started) / 1000) + 1,
    networkInterfaces: () => ({}),
    userInfo: (opts?: { encoding?: string }) => ({ uid: 1000, gid: 1000, username: options.username ?? 'user', homedir, shell: '/bin/sh', ...(opts ? {} : {}) }),
    getPriority: () => 0,
    setPriority: () => {},
    constants: { signals, errno, priority: { PRIORITY_LOW: 19, PRIORITY_BELOW_NORMAL: 10, PRIORITY_NORMAL: 0, PRIORITY_ABOVE_NORMAL: -7, PRIORITY_HIGH: -14, PRIORITY_HIGHEST: -20 }, dlopen: {}, UV_UDP_REUSEADDR: 4 },
  }
}
