/**
 * Around the page: while its chunk is imported, a spinner; when the import
 * fails (the network, or a server restarted with a newer build, whose files
 * have other names), a notice with a way on instead of a blank screen.
 * "Try again" imports again (page-loaders.ts forgets a failed import);
 * reloading fetches the newer build's entry.
 */
import { Component, Suspense, type ReactNode } from 'react';
import { Button, Space, Spin } from 'antd';
import { Notice } from './notice.tsx';

interface Props {
  texts: { failed: string; retry: string; reload: string };
  children: ReactNode;
}

export class PageLoadBoundary extends Component<Props, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override render() {
    const { texts, children } = this.props;
    if (this.state.failed) {
      return (
        <Notice
          status="error"
          title={texts.failed}
          action={
            <Space>
              <Button onClick={() => this.setState({ failed: false })}>{texts.retry}</Button>
              <Button onClick={() => window.location.reload()}>{texts.reload}</Button>
            </Space>
          }
        />
      );
    }
    return <Suspense fallback={<Spin aria-busy="true" />}>{children}</Suspense>;
  }
}
