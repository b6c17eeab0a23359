// Ported from sindresorhus/camelcase test.js (ava) to vitest; the big upstream tests are split
// into smaller `it`s, and the pascalCase table runs through `it.each`.
import { describe, expect, it } from 'vitest';
import camelCase, { type Options } from '../src/index';

describe('camelCase', () => {
	it('joins dash, dot, underscore and space separated words', () => {
		expect(camelCase('foo')).toBe('foo');
		expect(camelCase('foo-bar')).toBe('fooBar');
		expect(camelCase('foo-bar-baz')).toBe('fooBarBaz');
		expect(camelCase('foo--bar')).toBe('fooBar');
		expect(camelCase('foo.bar')).toBe('fooBar');
		expect(camelCase('foo..bar')).toBe('fooBar');
		expect(camelCase('foo_bar')).toBe('fooBar');
		expect(camelCase('foo bar')).toBe('fooBar');
	});

	it('strips leading and trailing separators', () => {
		expect(camelCase('--foo-bar')).toBe('fooBar');
		expect(camelCase('--foo--bar')).toBe('fooBar');
		expect(camelCase('-foo-bar-')).toBe('fooBar');
		expect(camelCase('--foo--bar--')).toBe('fooBar');
		expect(camelCase('..foo..bar..')).toBe('fooBar');
		expect(camelCase('  foo  bar  ')).toBe('fooBar');
	});

	it('keeps leading underscores and dollars', () => {
		expect(camelCase('_foo_bar')).toBe('_fooBar');
		expect(camelCase('__foo__bar__')).toBe('__fooBar');
		expect(camelCase('$foo')).toBe('$foo');
	});

	it('lower-cases upper case input', () => {
		expect(camelCase('FOO-BAR')).toBe('fooBar');
		expect(camelCase('FOÈ-BAR')).toBe('foèBar');
		expect(camelCase('FBBazzy')).toBe('fbBazzy');
		expect(camelCase('F')).toBe('f');
		expect(camelCase('FooBar')).toBe('fooBar');
		expect(camelCase('Foo')).toBe('foo');
		expect(camelCase('FOO')).toBe('foo');
	});

	it('keeps existing camelCase boundaries', () => {
		expect(camelCase('fooBar')).toBe('fooBar');
		expect(camelCase('fooBar-baz')).toBe('fooBarBaz');
		expect(camelCase('foìBar-baz')).toBe('foìBarBaz');
		expect(camelCase('fooBarBaz-bazzy')).toBe('fooBarBazBazzy');
	});

	it('accepts arrays', () => {
		expect(camelCase(['foo', 'bar'])).toBe('fooBar');
		expect(camelCase(['foo', '-bar'])).toBe('fooBar');
		expect(camelCase(['foo', '-bar', 'baz'])).toBe('fooBarBaz');
		expect(camelCase([])).toBe('');
	});

	it('returns an empty string for separators only', () => {
		expect(camelCase(['', ''])).toBe('');
		expect(camelCase('--')).toBe('');
		expect(camelCase('')).toBe('');
		expect(camelCase('-')).toBe('');
		expect(camelCase('--__--_--_')).toBe('');
		expect(camelCase(['---_', '--', '', '-_- '])).toBe('');
	});

	it('keeps other punctuation', () => {
		expect(camelCase('foo bar?')).toBe('fooBar?');
		expect(camelCase('foo bar!')).toBe('fooBar!');
		expect(camelCase('foo bar$')).toBe('fooBar$');
		expect(camelCase('foo-bar#')).toBe('fooBar#');
		expect(camelCase('mGridCol6@md')).toBe('mGridCol6@md');
		expect(camelCase('A::a')).toBe('a::a');
	});

	it('splits acronyms', () => {
		expect(camelCase('XMLHttpRequest')).toBe('xmlHttpRequest');
		expect(camelCase('AjaxXMLHttpRequest')).toBe('ajaxXmlHttpRequest');
		expect(camelCase('Ajax-XMLHttpRequest')).toBe('ajaxXmlHttpRequest');
	});

	it('capitalizes after numbers', () => {
		expect(camelCase('foo-1')).toBe('foo1');
		expect(camelCase('Hello1World')).toBe('hello1World');
		expect(camelCase('Hello11World')).toBe('hello11World');
		expect(camelCase('hello1world')).toBe('hello1World');
		expect(camelCase('Hello1World11foo')).toBe('hello1World11Foo');
		expect(camelCase('1Hello')).toBe('1Hello');
		expect(camelCase('1hello')).toBe('1Hello');
		expect(camelCase('h2w')).toBe('h2W');
	});

	it('handles non-Latin scripts', () => {
		expect(camelCase('розовый_пушистый-единороги')).toBe('розовыйПушистыйЕдинороги');
		expect(camelCase('РОЗОВЫЙ_ПУШИСТЫЙ-ЕДИНОРОГИ')).toBe('розовыйПушистыйЕдинороги');
		expect(camelCase('桑德在这里。')).toBe('桑德在这里。');
		expect(camelCase('桑德_在这里。')).toBe('桑德在这里。');
	});
});

describe('pascalCase option', () => {
	const pascal: Options = { pascalCase: true };

	it.each([
		['foo', 'Foo'],
		['foo-bar', 'FooBar'],
		['--foo--bar--', 'FooBar'],
		['FOÈ-BAR', 'FoèBar'],
		['foo_bar', 'FooBar'],
		['fooBar-baz', 'FooBarBaz'],
		['FBBazzy', 'FbBazzy'],
		['XMLHttpRequest', 'XmlHttpRequest'],
		['mGridCol6@md', 'MGridCol6@md'],
		['A::a', 'A::a'],
		['hello1world', 'Hello1World'],
		['h1W', 'H1W'],
		['розовый_пушистый-единороги', 'РозовыйПушистыйЕдинороги'],
		['桑德_在这里。', '桑德在这里。'],
	])('%s → %s', (input, expected) => {
		expect(camelCase(input, pascal)).toBe(expected);
	});

	it('works with arrays', () => {
		expect(camelCase(['foo', '-bar', 'baz'], pascal)).toBe('FooBarBaz');
		expect(camelCase(['---_', '--', '', '-_- '], pascal)).toBe('');
	});
});

describe('preserveConsecutiveUppercase option', () => {
	const opts: Options = { preserveConsecutiveUppercase: true };

	it('keeps upper case runs', () => {
		expect(camelCase('foo-BAR', opts)).toBe('fooBAR');
		expect(camelCase('Foo-BAR', opts)).toBe('fooBAR');
		expect(camelCase('fooBAR', opts)).toBe('fooBAR');
		expect(camelCase('fooBaR', opts)).toBe('fooBaR');
		expect(camelCase('FOÈ-BAR', opts)).toBe('FOÈBAR');
		expect(camelCase('XMLHttpRequest', opts)).toBe('XMLHttpRequest');
		expect(camelCase('AjaxXMLHttpRequest', opts)).toBe('ajaxXMLHttpRequest');
		expect(camelCase('Hello1WORLD', opts)).toBe('hello1WORLD');
		expect(camelCase('РозовыйПушистыйFOOдинорогиf', opts)).toBe('розовыйПушистыйFOOдинорогиf');
	});

	it('combines with pascalCase', () => {
		const both: Options = { ...opts, pascalCase: true };
		expect(camelCase('foo-BAR', both)).toBe('FooBAR');
		expect(camelCase('fOÈ-BAR', both)).toBe('FOÈBAR');
		expect(camelCase('--foo.BAR', both)).toBe('FooBAR');
		expect(camelCase(['foo', '-BAR', 'baz'], both)).toBe('FooBARBaz');
		expect(camelCase('xMLHttpRequest', both)).toBe('XMLHttpRequest');
		expect(camelCase('Hello11WORLD', both)).toBe('Hello11WORLD');
	});
});

describe('capitalizeAfterNumber option', () => {
	it('can keep the case after numbers', () => {
		expect(camelCase('hello1world', { capitalizeAfterNumber: false })).toBe('hello1world');
		expect(camelCase('b2b_registration', { capitalizeAfterNumber: false })).toBe('b2bRegistration');
		expect(camelCase('b2b_registration')).toBe('b2bRegistration');
	});
});

describe('locale option', () => {
	it('uses locale-specific case mappings', () => {
		expect(camelCase('lorem-ipsum', { locale: 'tr-TR' })).toBe('loremİpsum');
		expect(camelCase('lorem-ipsum', { locale: 'en-EN' })).toBe('loremIpsum');
		expect(camelCase('lorem-ipsum', { locale: ['tr', 'TR', 'tr-TR'] })).toBe('loremİpsum');
		expect(camelCase('ipsum-dolor', { pascalCase: true, locale: 'tr-TR' })).toBe('İpsumDolor');
	});

	it('can disable locale mappings', () => {
		expect(camelCase('lorem-ipsum', { locale: false })).toBe('loremIpsum');
		expect(camelCase('ipsum-dolor', { pascalCase: true, locale: false })).toBe('IpsumDolor');
	});
});

describe('invalid input', () => {
	it('throws a TypeError', () => {
		expect(() => camelCase(1 as unknown as string)).toThrow(/Expected the input to be/);
		expect(() => camelCase(null as unknown as string)).toThrowError(TypeError);
	});
});
