import { CliIo, cliIo, withCliContext } from './cli-context';
import { formatDoctorReport, TenantDoctor } from './tenant-doctor';

/** `npm run auth0:doctor`: one line per check of the tenant, each failure with its fix; exit 1 on a failure. */
export async function runDoctorCli(options: Partial<CliIo> = {}): Promise<number> {
  const io = cliIo(options);
  return withCliContext(io, async (app) => {
    const checks = await app.get(TenantDoctor).run();
    io.out(formatDoctorReport(checks));
    return checks.some((check) => check.status === 'fail') ? 1 : 0;
  });
}

if (require.main === module) {
  void runDoctorCli().then((code) => (process.exitCode = code));
}
