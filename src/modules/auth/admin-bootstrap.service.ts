import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from 'src/config/app-config';
import { ConflictError } from 'src/common/errors/domain.error';
import { UsersService } from 'src/modules/users/users.service';
import { PasswordHasher } from './password-hasher';

/** Creates the first administrator from BASALT_ADMIN_EMAIL/PASSWORD when there is none yet. */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger('AdminBootstrap');

  constructor(
    private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly passwords: PasswordHasher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.admin;
    if (!admin || (await this.users.countByRole('admin')) > 0) return;
    try {
      await this.users.create({ email: admin.email, passwordHash: await this.passwords.hash(admin.password), name: 'Administrator', role: 'admin' });
      this.logger.log(`created the first administrator ${admin.email}`);
    } catch (error) {
      // Another node created it first, or the email already belongs to a plain user.
      if (!(error instanceof ConflictError)) throw error;
      this.logger.warn(`did not create the administrator: ${admin.email} is already registered`);
    }
  }
}
