// The baseline of `npm run bench`: a Probot app that receives every webhook and does nothing,
// served by the same `probot run` harness as aims-bot.
export default (app) => {
  app.onAny(async () => {});
};
