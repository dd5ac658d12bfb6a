// Whether a process is alive: signal 0 checks that the pid exists without sending anything.
// EPERM means it exists but belongs to another user: alive too.

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
