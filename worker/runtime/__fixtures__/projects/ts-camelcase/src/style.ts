// Added for this fixture (not upstream): a small enum-based front end over camelCase, so the
// project exercises a TypeScript `enum` (a regular one, not `const enum`).
import camelCase, { type Options } from './index';

export enum CaseStyle {
	Camel = 'camel',
	Pascal = 'pascal',
	ConstantPascal = 'constant-pascal',
}

export function toCase(input: string | readonly string[], style: CaseStyle, options: Omit<Options, 'pascalCase'> = {}): string {
	switch (style) {
		case CaseStyle.Camel:
			return camelCase(input, options);
		case CaseStyle.Pascal:
			return camelCase(input, { ...options, pascalCase: true });
		case CaseStyle.ConstantPascal:
			return camelCase(input, { ...options, pascalCase: true, preserveConsecutiveUppercase: true });
	}
}
