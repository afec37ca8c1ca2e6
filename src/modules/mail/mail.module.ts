import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { AppConfig } from 'src/config/app-config';
import { MailProcessor } from './mail.processor';
import { MailSenderService } from './mail-sender.service';
import { MailService } from './mail.service';
import { MAIL_TRANSPORT, createMailTransport } from './mail-transport';

/**
 * Outgoing email. Every process can enqueue (MailService, global); the
 * processor, the renderer and the SMTP transport exist only in processes
 * that run jobs (the worker, and the API unless BASALT_QUEUE_PROCESSING=false).
 * The `mail` queue itself is registered with the others in QueueModule.
 */
@Module({})
export class MailModule {
  static forRoot(options: { processing: boolean }): DynamicModule {
    const processing: Provider[] = [
      { provide: MAIL_TRANSPORT, inject: [AppConfig], useFactory: (config: AppConfig) => createMailTransport(config) },
      MailSenderService,
      MailProcessor,
    ];
    return {
      module: MailModule,
      global: true,
      providers: [MailService, ...(options.processing ? processing : [])],
      exports: [MailService],
    };
  }
}
