import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.paypilot/', 'coverage/', 'test-results/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // The console's policy refuses inline style attributes: Ant Design's autosizing text area measures itself with
    // one (setAttribute('style')), so the browser refuses it and its measuring element stays in the page.
    files: ['web/console/**/*.tsx'],
    rules: {
      'no-restricted-syntax': ['error', { selector: "JSXAttribute[name.name='autoSize']", message: 'autoSize sets an inline style the console\'s Content-Security-Policy refuses; give the text area rows instead.' }],
    },
  },
  {
    // Tests read JSON answers loosely; the assertions are what check their shape.
    files: ['test/**/*.ts', '**/*.test.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
