package entitlement

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
)

// AESBox seals secrets with AES-256-GCM under one key. A sealed value is base64url of a random
// nonce followed by the ciphertext and its tag, so the same secret sealed twice differs and a
// changed byte is refused when opened.
type AESBox struct{ aead cipher.AEAD }

// NewAESBox returns a box over a 32-byte key.
func NewAESBox(key []byte) (*AESBox, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secret key: want 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &AESBox{aead: aead}, nil
}

// Seal encrypts plain.
func (b *AESBox) Seal(plain string) (string, error) {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b.aead.Seal(nonce, nonce, []byte(plain), nil)), nil
}

// Open decrypts a value Seal made with the same key.
func (b *AESBox) Open(sealed string) (string, error) {
	data, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil || len(data) < b.aead.NonceSize() {
		return "", errors.New("not a sealed secret")
	}
	plain, err := b.aead.Open(nil, data[:b.aead.NonceSize()], data[b.aead.NonceSize():], nil)
	if err != nil {
		return "", errors.New("the secret does not open with this key")
	}
	return string(plain), nil
}
