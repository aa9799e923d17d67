/**
 * The worker's analysis of payers' comments (job `analyze_comments`): takes
 * queued comments oldest first, analyzes each (pure, in memory: no network,
 * so the transaction is short) and, in the transaction that took them from
 * the queue, writes one analysis per comment. A crash before the commit
 * leaves the batch queued and the retry does it again; a comment analyzed
 * twice keeps one row, so nothing is counted twice. Several workers take
 * different rows (skip locked).
 */
import { limits } from '../../domain/limits.ts';
import { analyzeComment, analyzerVersion } from '../../domain/insight/comments/analyze-comment.ts';
import { loadQueuedComments, saveCommentAnalyses, takeQueuedComments } from '../../store/comment-analyses.ts';
import { now, type FlowContext } from '../context.ts';

/** Analyzes what is queued, batch by batch, up to the run's bound; returns how many comments it analyzed. */
export async function analyzeQueuedComments(context: Pick<FlowContext, 'db' | 'clock'>, batchesMax = limits.commentAnalysisBatchesPerRunMax): Promise<number> {
  let analyzed = 0;
  for (let batch = 0; batch < batchesMax; batch += 1) {
    const { taken, saved } = await analyzeOneBatch(context);
    analyzed += saved;
    if (taken < limits.commentAnalysisBatchSize) break;
  }
  return analyzed;
}

async function analyzeOneBatch(context: Pick<FlowContext, 'db' | 'clock'>): Promise<{ taken: number; saved: number }> {
  return context.db.transaction().execute(async (tx) => {
    const taken = await takeQueuedComments(tx, limits.commentAnalysisBatchSize);
    if (taken.length === 0) return { taken: 0, saved: 0 };
    const comments = await loadQueuedComments(tx, taken);
    const rows = comments.map((comment) => {
      const analysis = analyzeComment(comment.text);
      return { comment, language: analysis.language, sentiment: analysis.sentiment, score: analysis.score, topics: analysis.topics, analyzerVersion };
    });
    await saveCommentAnalyses(tx, rows, now(context));
    return { taken: taken.length, saved: rows.length };
  });
}
