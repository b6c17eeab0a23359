// camelcase 9.0.0 (index.js) converted to TypeScript: same logic, with the option types from
// upstream index.d.ts as an interface and annotated helpers.

export interface Options {
	/**
	The locale parameter indicates the locale to be used to convert to upper/lower case according
	to any locale-specific case mappings. `false` uses the platform's default case mapping.
	*/
	readonly locale?: false | string | readonly string[];
	/** Uppercase the first character: `foo-bar` → `FooBar`. @default false */
	readonly pascalCase?: boolean;
	/** Preserve consecutive uppercase characters: `foo-BAR` → `fooBAR`. @default false */
	readonly preserveConsecutiveUppercase?: boolean;
	/** Uppercase the letter after a number: `s3-bucket` → `s3Bucket`. @default true */
	readonly capitalizeAfterNumber?: boolean;
}

type CaseFunction = (value: string) => string;

interface ResolvedOptions {
	pascalCase: boolean;
	preserveConsecutiveUppercase: boolean;
	capitalizeAfterNumber: boolean;
	locale?: false | string | readonly string[];
}

const UPPERCASE = /[\p{Lu}]/u;
const LOWERCASE = /[\p{Ll}]/u;
const LEADING_CAPITAL = /^[\p{Lu}](?![\p{Lu}])/u;
const SEPARATORS = /[_.\- ]+/;

// The |$ alternative allows matching at end-of-string, capturing empty string
const IDENTIFIER = /([\p{Alpha}\p{N}_]|$)/u;

const LEADING_SEPARATORS = new RegExp('^' + SEPARATORS.source);
const SEPARATORS_AND_IDENTIFIER = new RegExp(SEPARATORS.source + IDENTIFIER.source, 'gu');
const NUMBERS_AND_IDENTIFIER = new RegExp(String.raw`\d+` + IDENTIFIER.source, 'gu');

const preserveCamelCase = (
	input: string,
	toLowerCase: CaseFunction,
	toUpperCase: CaseFunction,
	preserveConsecutiveUppercase: boolean,
): string => {
	let string = input;
	let isLastCharLower = false;
	let isLastCharUpper = false;
	let isLastLastCharUpper = false;
	let isLastLastCharPreserved = false;

	for (let index = 0; index < string.length; index++) {
		const character = string[index];

		// Was the character 3 positions back inserted as a separator?
		isLastLastCharPreserved = index > 2 ? string[index - 3] === '-' : true;

		if (isLastCharLower && UPPERCASE.test(character)) {
			// FooBar → Foo-Bar (insert separator before uppercase)
			string = string.slice(0, index) + '-' + string.slice(index);
			isLastCharLower = false;
			isLastLastCharUpper = isLastCharUpper;
			isLastCharUpper = true;
			index++;
		} else if (
			isLastCharUpper
			&& isLastLastCharUpper
			&& LOWERCASE.test(character)
			&& (!isLastLastCharPreserved || preserveConsecutiveUppercase)
		) {
			// FOOBar → FOO-Bar
			string = string.slice(0, index - 1) + '-' + string.slice(index - 1);
			isLastLastCharUpper = isLastCharUpper;
			isLastCharUpper = false;
			isLastCharLower = true;
		} else {
			isLastCharLower = toLowerCase(character) === character && toUpperCase(character) !== character;
			isLastLastCharUpper = isLastCharUpper;
			isLastCharUpper = toUpperCase(character) === character && toLowerCase(character) !== character;
		}
	}

	return string;
};

const preserveConsecutiveUppercase = (input: string, toLowerCase: CaseFunction): string =>
	input.replace(LEADING_CAPITAL, (match) => toLowerCase(match));

const processWithCasePreservation = (
	input: string,
	toLowerCase: CaseFunction,
	preserveConsecutiveUppercase: boolean,
): string => {
	let result = '';
	let previousWasNumber = false;
	let previousWasUppercase = false;

	const characters: string[] = [...input];

	for (let index = 0; index < characters.length; index++) {
		const character = characters[index];
		const isUpperCase = UPPERCASE.test(character);
		const nextCharIsUpperCase = index + 1 < characters.length && UPPERCASE.test(characters[index + 1]);

		if (previousWasNumber && /[\p{Alpha}]/u.test(character)) {
			// Letter after number - preserve original case
			result += character;
			previousWasNumber = false;
			previousWasUppercase = isUpperCase;
		} else if (preserveConsecutiveUppercase && isUpperCase && (previousWasUppercase || nextCharIsUpperCase)) {
			result += character;
			previousWasUppercase = true;
		} else if (/\d/.test(character)) {
			result += character;
			previousWasNumber = true;
			previousWasUppercase = false;
		} else if (SEPARATORS.test(character)) {
			result += character;
			previousWasUppercase = false;
		} else {
			result += toLowerCase(character);
			previousWasNumber = false;
			previousWasUppercase = false;
		}
	}

	return result;
};

const postProcess = (input: string, toUpperCase: CaseFunction, { capitalizeAfterNumber }: ResolvedOptions): string => {
	const transformNumericIdentifier = capitalizeAfterNumber
		? (match: string, identifier: string, offset: number, string: string): string => {
			const nextCharacter = string.charAt(offset + match.length);

			// A numeric+identifier run immediately followed by a separator is a continued token.
			if (SEPARATORS.test(nextCharacter)) {
				return match;
			}

			return identifier ? match.slice(0, -identifier.length) + toUpperCase(identifier) : match;
		}
		: (match: string): string => match;

	return input
		.replaceAll(NUMBERS_AND_IDENTIFIER, transformNumericIdentifier)
		.replaceAll(SEPARATORS_AND_IDENTIFIER, (_: string, identifier: string) => toUpperCase(identifier));
};

/**
Convert a dash/dot/underscore/space separated string to camelCase or PascalCase: `foo-bar` → `fooBar`.
Correctly handles Unicode strings.
*/
export default function camelCase(input: string | readonly string[], options?: Options): string {
	if (!(typeof input === 'string' || Array.isArray(input))) {
		throw new TypeError('Expected the input to be `string | string[]`');
	}

	const resolved: ResolvedOptions = {
		pascalCase: false,
		preserveConsecutiveUppercase: false,
		capitalizeAfterNumber: true,
		...options,
	};

	let value: string = typeof input === 'string'
		? input.trim()
		: input
			.map((element) => element.trim())
			.filter((element) => element.length > 0)
			.join('-');

	if (value.length === 0) {
		return '';
	}

	// Preserve leading _ and $ as they have semantic meaning
	const leadingPrefix = /^[_$]*/.exec(value)?.[0] ?? '';
	value = value.slice(leadingPrefix.length);

	if (value.length === 0) {
		return leadingPrefix;
	}

	const { locale } = resolved;
	const toLowerCase: CaseFunction = locale === false
		? (string) => string.toLowerCase()
		: (string) => string.toLocaleLowerCase(locale as string | string[] | undefined);

	const toUpperCase: CaseFunction = locale === false
		? (string) => string.toUpperCase()
		: (string) => string.toLocaleUpperCase(locale as string | string[] | undefined);

	if (value.length === 1) {
		if (SEPARATORS.test(value)) {
			return leadingPrefix;
		}

		return leadingPrefix + (resolved.pascalCase ? toUpperCase(value) : toLowerCase(value));
	}

	const hasUpperCase = value !== toLowerCase(value);

	if (hasUpperCase) {
		value = preserveCamelCase(value, toLowerCase, toUpperCase, resolved.preserveConsecutiveUppercase);
	}

	// Strip leading separators eagerly so they do not affect word detection
	value = value.replace(LEADING_SEPARATORS, '');

	if (resolved.capitalizeAfterNumber) {
		value = resolved.preserveConsecutiveUppercase
			? preserveConsecutiveUppercase(value, toLowerCase)
			: toLowerCase(value);
	} else {
		value = processWithCasePreservation(value, toLowerCase, resolved.preserveConsecutiveUppercase);
	}

	if (resolved.pascalCase && value.length > 0) {
		value = toUpperCase(value[0]) + value.slice(1);
	}

	return leadingPrefix + postProcess(value, toUpperCase, resolved);
}
