import { describe, expect, it } from 'vitest';
import { CaseStyle, toCase } from '../src/style';

describe('CaseStyle', () => {
	it('is a string enum', () => {
		expect(CaseStyle.Camel).toBe('camel');
		expect(Object.values(CaseStyle)).toEqual(['camel', 'pascal', 'constant-pascal']);
	});

	it('converts with each style', () => {
		expect(toCase('xml-http-request', CaseStyle.Camel)).toBe('xmlHttpRequest');
		expect(toCase('xml-http-request', CaseStyle.Pascal)).toBe('XmlHttpRequest');
		expect(toCase('XML-http-request', CaseStyle.ConstantPascal)).toBe('XMLHttpRequest');
	});

	it('passes other options through', () => {
		expect(toCase('lorem-ipsum', CaseStyle.Camel, { locale: 'tr-TR' })).toBe('loremİpsum');
	});
});
