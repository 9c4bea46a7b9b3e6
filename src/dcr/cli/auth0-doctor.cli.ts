import { formatDoctorReport, TenantDoctor } from '../tenant-doctor.service';
import { withGatewayContext, writeStderr, writeStdout } from './cli-context';

/** `npm run auth0:doctor`: one line per check of the tenant, each failure with its fix; exit 1 on a failure. */
export async function runDoctorCli(out = writeStdout, err = writeStderr): Promise<number> {
  return withGatewayContext(async (app) => {
    const checks = await app.get(TenantDoctor).run();
    out(formatDoctorReport(checks));
    return checks.some((check) => check.status === 'fail') ? 1 : 0;
  }, err);
}

if (require.main === module) {
  void runDoctorCli().then((code) => (process.exitCode = code));
}
