/** The fields a customer is created or updated with. */
import { Type } from 'typebox';
import { locales } from '../../../../domain/locale.ts';
import { Metadata, requestObject, stringEnum } from '../../../schemas.ts';

export const CustomerFields = {
  email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
  phone: Type.Optional(Type.String({ pattern: '^\\+?[0-9 ()-]{5,20}$' })),
  name: Type.Optional(Type.String({ maxLength: 200 })),
  locale: Type.Optional(stringEnum(locales)),
  time_zone: Type.Optional(Type.String({ maxLength: 64, description: 'IANA name; default from the locale (Asia/Shanghai for zh-CN, Asia/Taipei for zh-TW, UTC).' })),
  notifications: Type.Optional(
    requestObject({ email: Type.Optional(Type.Boolean()), sms: Type.Optional(Type.Boolean()) }, { description: 'false opts the payer out of that channel.' }),
  ),
  metadata: Type.Optional(Metadata),
};
