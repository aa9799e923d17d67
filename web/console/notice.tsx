/** A page-sized message (not found, not allowed, failed) with one way on: Ant Design's Result without its large illustrations. */
import type { ReactNode } from 'react';
import { Typography } from 'antd';

export function Notice({ status, title, action }: { status: '403' | '404' | 'error'; title: string; action?: ReactNode }) {
  return (
    <section className={`console-notice console-notice-${status}`} data-testid={`notice-${status}`} style={{ textAlign: 'center', padding: '48px 16px' }}>
      <Typography.Title level={2} style={{ fontSize: 20 }}>
        {title}
      </Typography.Title>
      {action}
    </section>
  );
}
