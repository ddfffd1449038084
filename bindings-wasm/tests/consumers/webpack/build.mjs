// webpack 5 with its defaults (production mode, web target): no loader, no asset rule, no plugin.
import webpack from 'webpack';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
webpack({ mode: 'production', context: here, entry: './main.js', output: { path: path.join(here, 'dist'), filename: 'main.js' } }, (err, stats) => {
  if (err || stats.hasErrors()) {
    console.error(err ?? stats.toString('errors-only'));
    process.exit(1);
  }
  console.log(stats.toString({ preset: 'minimal' }));
});
